/** What a call answered by a machine gets: the strategy's voicemail once per contact and campaign, else a hang-up. */
import type { Strategy } from './strategy';

export interface VoicemailScript {
  text: string;
  language: string;
}

/** Whether a machine answer may leave a message at all (the drop still has to be claimed once). */
export const wantsVoicemail = (s: Strategy) => s.answeringMachine === 'voicemail';

/** A number read out digit by digit, as text-to-speech otherwise reads it as one large amount. */
export const spokenDigits = (n: string) => n.replace(/[^\d]/g, '').split('').join(' ');

/**
 * The message left on a machine: the voicemail text (the announcement's when the strategy has
 * none) and the number to call back, read out in the announcement's language.
 */
export function voicemailScript(s: Strategy): VoicemailScript {
  const { language } = s.announcement;
  const text = s.voicemail?.text ?? s.announcement.text;
  if (!s.voicemail) return { text, language };
  const digits = spokenDigits(s.voicemail.callbackNumber);
  const callBack = language.toLowerCase().startsWith('zh') ? `请回电 ${digits}。` : `Please call us back at ${digits}.`;
  return { text: `${text} ${callBack}`, language };
}
