/**
 * Features of a short, noisy utterance as speech recognition delivers it: Chinese as character
 * 1-3-grams (no word segmentation needed, robust to a misrecognised character), English as words,
 * word pairs and in-word character trigrams (robust to a misheard ending).
 */

/** Hesitations and sentence particles ASR transcribes but that carry no intent. */
const FILLERS = /[嗯呃额啊哦喔噢喂哎诶唉呀哈嘛呢哇]|那个|就是说|这个嘛/g;
const EN_FILLERS = new Set(['um', 'uh', 'er', 'erm', 'hmm', 'oh', 'ah', 'well', 'like', 'hello', 'hi', 'so', 'okay', 'ok', 'please', 'just']);

export function normaliseUtterance(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/\d+/g, '0')
    .trim();
}

const CJK = /\p{Script=Han}+/gu;
const LATIN = /[a-z0]+/g;

/** Crude English stemming: enough to meet "calling"/"call", "classes"/"class", "charged"/"charge". */
const stem = (w: string) => (w.length > 4 ? w.replace(/(ing|ed|es|s)$/, '') : w);

export function utteranceFeatures(text: string): string[] {
  const t = normaliseUtterance(text);
  const out: string[] = [];
  for (const run of t.replace(FILLERS, ' ').match(CJK) ?? []) {
    for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= run.length; i++) out.push(`z:${run.slice(i, i + n)}`);
    out.push(`z:^${run.slice(0, 2)}`, `z:${run.slice(-2)}$`);
  }
  const words = (t.match(LATIN) ?? []).filter((w) => !EN_FILLERS.has(w)).map(stem);
  words.forEach((w, i) => {
    out.push(`w:${w}`);
    if (i + 1 < words.length) out.push(`b:${w}_${words[i + 1]}`);
    const padded = `<${w}>`;
    if (w.length > 3) for (let j = 0; j + 3 <= padded.length; j++) out.push(`c:${padded.slice(j, j + 3)}`);
  });
  return out;
}
