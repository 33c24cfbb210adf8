/**
 * Sensitive-word screening: the maintained lists (general: discriminatory and abusive terms;
 * finance: the collection rules — threats, harassment, false claims, contacting third parties),
 * in Chinese and English, and the pure matching. Operators add words (services/sensitive-words.ts);
 * these are the built-in ones every list starts from. A strategy is screened when it is saved;
 * scripts in use and the month's call transcripts monthly.
 */
import { stringsIn } from './text-fields';
import type { Industry } from './vocabulary';

export const WORD_CATEGORIES = ['threat', 'harassment', 'false-claim', 'third-party', 'discriminatory', 'abusive'] as const;
export type WordCategory = (typeof WORD_CATEGORIES)[number];

/** A list's scope: `general` applies to every campaign, an industry's to its campaigns. */
export const WORD_SCOPES = ['general', 'education', 'finance', 'ecommerce', 'local-services'] as const;
export type WordScope = (typeof WORD_SCOPES)[number];

export interface SensitiveWord {
  scope: WordScope;
  word: string;
  category: WordCategory;
}

const list = (scope: WordScope, category: WordCategory, words: string[]): SensitiveWord[] => words.map((word) => ({ scope, word, category }));

/** The built-in lists (list version 0); operators' additions and removals count up from there. */
export const BUILT_IN_WORDS: readonly SensitiveWord[] = [
  ...list('general', 'abusive', ['idiot', 'stupid', 'moron', 'shut up', 'loser', '傻逼', '白痴', '蠢货', '废物', '闭嘴', '滚蛋']),
  ...list('general', 'discriminatory', ['people like you', 'your kind', 'retard', '乡巴佬', '穷鬼', '残废', '老不死']),
  ...list('finance', 'threat', ['we will come to your home', 'you will go to jail', 'you will be arrested', 'or else', 'we know where you live', '上门找你', '让你坐牢', '抓你', '后果自负', '曝光你']),
  ...list('finance', 'harassment', ['we will keep calling', 'every hour until you pay', 'call you every day', '天天打给你', '打爆你电话', '爆通讯录', '不还钱就别想']),
  ...list('finance', 'false-claim', ['a warrant for your arrest', 'criminal record', 'this is the police', 'court has ruled against you', '已经立案', '公安机关', '法院传票', '征信黑名单']),
  ...list('finance', 'third-party', ['tell your family', 'contact your employer', 'call your friends', 'your contacts will be told', '通知你家人', '联系你单位', '告诉你同事', '打给你的联系人']),
];

/** The words that apply to a campaign of an industry (or none): general ones and its own. */
export function wordsFor<W extends SensitiveWord>(industry: Industry | string | null, words: readonly W[]): W[] {
  return words.filter((w) => w.scope === 'general' || w.scope === industry);
}

export interface WordHit {
  word: string;
  category: WordCategory;
  /** Character offset in the text. */
  index: number;
}

const ascii = /^[\x20-\x7e]+$/;
const wordChar = /[a-z0-9]/;

/**
 * The sensitive words in a text, case-insensitively. A Latin word must stand alone ("class"
 * does not hit "ass"); a Chinese one hits anywhere (Chinese has no spaces between words).
 */
export function findSensitive(text: string, words: readonly SensitiveWord[]): WordHit[] {
  const lower = text.toLowerCase();
  const hits: WordHit[] = [];
  for (const w of words) {
    const needle = w.word.toLowerCase();
    const bounded = ascii.test(needle);
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + 1)) {
      if (bounded && (wordChar.test(lower[i - 1] ?? ' ') || wordChar.test(lower[i + needle.length] ?? ' '))) continue;
      hits.push({ word: w.word, category: w.category, index: i });
      break;
    }
  }
  return hits.sort((a, b) => a.index - b.index);
}

export interface PlacedHit extends WordHit {
  /** Where: a strategy path (e.g. `sms.text`). */
  path: string;
}

/** Every sensitive word in every string of a value (a strategy, its scripts), with its path. */
export const screenValue = (value: unknown, words: readonly SensitiveWord[]): PlacedHit[] => stringsIn(value).flatMap((f) => findSensitive(f.text, words).map((h) => ({ ...h, path: f.path })));
