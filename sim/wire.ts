/** How Twilio spells things on the wire: resource SIDs, RFC 2822 dates, form values. */
import { randomBytes } from 'node:crypto';

export const sidOf = (prefix: string) => prefix + randomBytes(16).toString('hex');
export const rfc2822 = (ms: number | null) => (ms === null ? null : new Date(ms).toUTCString().replace('GMT', '+0000'));
export const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
