import { createHmac } from 'node:crypto';

/**
 * Twilio's webhook signature: HMAC-SHA1 over the full URL followed by each POST parameter's
 * name and value, sorted by name; base64. Written independently of the `twilio` package so the
 * API's validation (which uses the package) is checked against a second implementation.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}
