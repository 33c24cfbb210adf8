/**
 * TwiML for an answered call, from what the script decided (domain/script.ts): the opening (the
 * compliance announcement inside a Gather, so a key or words during it act at once) and each
 * turn's answer. Pure strings; the route only sends them.
 */
import { languageOf, phrase, type ScriptMode, type TurnAction } from './script';

const xml = (s: string) => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);

/** A TwiML document around its verbs. */
export const twiml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

export const say = (language: string, text: string) => `<Say language="${xml(language)}">${xml(text)}</Say>`;
export const hangUp = (language?: string, text?: string) => `${text ? (language ? say(language, text) : `<Say>${xml(text)}</Say>`) : ''}<Hangup/>`;

/** Listens for speech and/or one key while its phrases play; on silence the call goes on to what follows (goodbye). */
function gather(input: 'dtmf' | 'dtmf speech', action: string, language: string, phrases: string[]) {
  const lang = xml(language);
  return `<Gather input="${input}" numDigits="1" timeout="5" action="${xml(action)}" method="POST" language="${lang}"${input === 'dtmf speech' ? ' speechTimeout="auto"' : ''}>${phrases.map((p) => say(language, p)).join('')}</Gather>`;
}

/**
 * The opening of a call answered by a person. `safe`: the opt-out path failed its self-check, so
 * only 0 is offered (services/opt-out-safety.ts); `basic`: the key menu; `intelligent`: a question
 * the person may answer in words or with a key.
 */
export function openingTwiml(mode: ScriptMode | 'safe', announcement: { text: string; language: string }, gatherUrl: string): string {
  const { text, language } = announcement;
  const lang = languageOf(language);
  if (mode === 'safe') return twiml(gather('dtmf', gatherUrl, language, [text, phrase('safeMode', lang)]) + hangUp(language, 'Goodbye.'));
  if (mode === 'basic') return twiml(gather('dtmf', gatherUrl, language, [text, phrase('menu', lang)]) + hangUp(language, phrase('goodbye', lang)));
  return twiml(gather('dtmf speech', gatherUrl, language, [text, phrase('prompt', lang)]) + hangUp(language, phrase('goodbye', lang)));
}

/** A turn's answer: what is said, then listening for the next turn, the key menu, a hand-over, or goodbye. */
export function turnTwiml(a: TurnAction, language: string, nextGatherUrl: string): string {
  const lang = languageOf(language);
  const said = a.say.map((t) => say(language, t)).join('');
  if (a.dial) return twiml(`${said}<Dial>${xml(a.dial)}</Dial>${hangUp()}`);
  if (a.next === 'listen') return twiml(said + gather('dtmf speech', nextGatherUrl, language, [phrase('more', lang)]) + hangUp(language, phrase('goodbye', lang)));
  if (a.next === 'menu') return twiml(said + gather('dtmf', nextGatherUrl, language, [phrase('menu', lang)]) + hangUp(language, phrase('goodbye', lang)));
  return twiml(`${said}${hangUp()}`);
}
