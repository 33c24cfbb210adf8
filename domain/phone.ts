/** Phone numbers in, E.164 out; and the time zone a number most likely lives in. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type PhoneResult = { ok: true; e164: string; country: string | undefined } | { ok: false; reason: string };

export function normalizePhone(raw: string, region: CountryCode): PhoneResult {
  // people paste numbers with spaces, dashes, dots, brackets and full-width digits
  const cleaned = raw.normalize('NFKC').trim().replace(/^00/, '+').replace(/[^\d+]/g, '');
  if (!/\d/.test(cleaned)) return { ok: false, reason: 'no digits in phone number' };
  if (cleaned.lastIndexOf('+') > 0) return { ok: false, reason: '"+" may only start a phone number' };
  const parsed = parsePhoneNumberFromString(cleaned, region);
  if (!parsed) return { ok: false, reason: `not a phone number for region ${region}` };
  if (!parsed.isValid()) return { ok: false, reason: `${parsed.number} is not a valid number${parsed.country ? ` in ${parsed.country}` : ''}` };
  return { ok: true, e164: parsed.number, country: parsed.country };
}

/**
 * The most populous zone per country. Multi-zone countries (US, CA, AU, RU, BR…) get their
 * most-populated zone: callers that know better pass `timeZone` explicitly.
 */
const countryZone: Record<string, string> = {
  CN: 'Asia/Shanghai', HK: 'Asia/Hong_Kong', MO: 'Asia/Macau', TW: 'Asia/Taipei', SG: 'Asia/Singapore', MY: 'Asia/Kuala_Lumpur',
  JP: 'Asia/Tokyo', KR: 'Asia/Seoul', IN: 'Asia/Kolkata', ID: 'Asia/Jakarta', TH: 'Asia/Bangkok', VN: 'Asia/Ho_Chi_Minh', PH: 'Asia/Manila',
  AE: 'Asia/Dubai', SA: 'Asia/Riyadh', IL: 'Asia/Jerusalem', TR: 'Europe/Istanbul',
  US: 'America/New_York', CA: 'America/Toronto', MX: 'America/Mexico_City', BR: 'America/Sao_Paulo', AR: 'America/Argentina/Buenos_Aires',
  GB: 'Europe/London', IE: 'Europe/Dublin', FR: 'Europe/Paris', DE: 'Europe/Berlin', ES: 'Europe/Madrid', IT: 'Europe/Rome', NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels', CH: 'Europe/Zurich', AT: 'Europe/Vienna', SE: 'Europe/Stockholm', NO: 'Europe/Oslo', DK: 'Europe/Copenhagen', FI: 'Europe/Helsinki',
  PL: 'Europe/Warsaw', PT: 'Europe/Lisbon', GR: 'Europe/Athens', RU: 'Europe/Moscow', UA: 'Europe/Kyiv',
  AU: 'Australia/Sydney', NZ: 'Pacific/Auckland', ZA: 'Africa/Johannesburg', NG: 'Africa/Lagos', EG: 'Africa/Cairo', KE: 'Africa/Nairobi',
};

export function zoneForCountry(country: string | undefined, fallback: string): string {
  return (country && countryZone[country]) || fallback;
}

/** A number as it may appear where people read it (logs, stored errors): `+86 138****8000`. */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const cc = parsed ? parsed.countryCallingCode : '';
  const national = parsed ? String(parsed.nationalNumber) : e164.replace(/\D/g, '');
  const head = national.slice(0, Math.max(0, Math.min(3, national.length - 4)));
  return `+${cc}${cc ? ' ' : ''}${head}****${national.slice(-4)}`;
}

/** Masks every E.164 number in a text that is kept or shown (an error from Temporal may quote a cadence id). */
export function redactPhones(text: string): string {
  return text.replace(UNMASKED, (m) => maskPhone(m));
}

/** A number in clear: `+` and 7–15 digits (a masked one has `****` in it). */
const UNMASKED = /\+\d{7,15}(?!\d)/g;

/** The numbers in clear in a text (a log, an error), each as its masked form: what a scan reports. */
export function unmaskedPhones(text: string): string[] {
  return [...text.matchAll(UNMASKED)].map((m) => maskPhone(m[0]));
}
