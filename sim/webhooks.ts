/** Signed webhooks from the carrier to the customer: status callbacks, TwiML fetches, inbound SMS. */
import { twilioSignature } from './signature';
import type { SimState } from './state';

export async function post(state: SimState, accountSid: string, url: string, params: Record<string, string>): Promise<Response | null> {
  const token = state.accounts.get(accountSid)!.token;
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params) };
  for (let i = 0; i < 3 && !state.closed; i++) {
    try {
      const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params) });
      if (res.status < 500) return res;
    } catch {
      /* connection refused or reset: retry like a carrier would */
    }
    await new Promise((r) => setTimeout(r, 200 * (i + 1)));
  }
  state.log(`sim: webhook ${url} failed`);
  return null;
}
