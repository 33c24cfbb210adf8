/**
 * SMS replies that opt a person out, normalised (width, case, spaces, punctuation): the Chinese
 * carrier convention (TD, T, 退订, TD退订) and the international one (STOP, UNSUBSCRIBE).
 */
const WORDS = new Set(['TD', 'T', '退订', 'TD退订', 'STOP', 'UNSUBSCRIBE', 'STOPALL', 'CANCEL', 'END', 'QUIT']);

/**
 * Replies that opt back in: Twilio's opt-in keywords, the ones after which its carriers stop
 * answering 21610 for the number. Chinese operators publish no resubscribe keyword (订阅/恢复 are
 * not standard and a carrier would keep its block), so none is recognised: lifting our list while
 * the carrier still refuses would promise texts that never arrive.
 */
const START_WORDS = new Set(['START', 'UNSTOP', 'YES']);

const normalise = (body: string) =>
  body
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s.,!?;:'"。，！？；：、]+/g, '');

export function isOptOutReply(body: string): boolean {
  return WORDS.has(normalise(body));
}

export function isResubscribeReply(body: string): boolean {
  return START_WORDS.has(normalise(body));
}

/**
 * Whether a resubscribe lifts the number's opt-out. By the carrier's rules START only undoes a
 * STOP sent by text: an opt-out given another way (a key pressed in a call, the API, an operator)
 * stays until it is lifted the way it was given.
 */
export const resubscribeLifts = (optOutSource: string) => optOutSource === 'sms';
