/**
 * SMS replies that opt a person out, normalised (width, case, spaces, punctuation): the Chinese
 * carrier convention (TD, T, 退订, TD退订) and the international one (STOP, UNSUBSCRIBE).
 */
const WORDS = new Set(['TD', 'T', '退订', 'TD退订', 'STOP', 'UNSUBSCRIBE', 'STOPALL', 'CANCEL', 'END', 'QUIT']);

export function isOptOutReply(body: string): boolean {
  return WORDS.has(
    body
      .normalize('NFKC')
      .toUpperCase()
      .replace(/[\s.,!?;:'"。，！？；：、]+/g, ''),
  );
}
