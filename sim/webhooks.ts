/** Signed webhooks from the carrier to the customer: status callbacks, TwiML fetches, inbound SMS. */
import { randomUUID } from 'node:crypto';
import { twilioSignature } from './signature';
import type { SimState } from './state';

/**
 * TwiML is fetched while the callee waits on the line: a carrier gives up on it after a few quick
 * tries (a slow answer is still waited for a minute: the script's outcome depends on it).
 */
export const TWIML_FETCH = { retryWindowMs: 2_000, timeoutMs: 60_000 } as const;

/**
 * POSTs a signed webhook. Like Twilio, a 5xx answer, a timeout or a refused connection is retried
 * with backoff (0.25 s doubling to 8 s) until the retry window has passed, every try with the same
 * body, signature and I-Twilio-Idempotency-Token (new for each webhook, like Twilio's), so callbacks
 * sent while the customer's API restarts still arrive and a handled one is recognised. Resolves
 * with the first answer below 500, or null when none came in time (or the simulator closed).
 */
export async function post(state: SimState, accountSid: string, url: string, params: Record<string, string>, opts: { retryWindowMs?: number; timeoutMs?: number } = {}): Promise<Response | null> {
  const token = state.accounts.get(accountSid)!.token;
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params), 'i-twilio-idempotency-token': randomUUID() };
  const until = Date.now() + (opts.retryWindowMs ?? state.webhookRetryWindowMs);
  let wait = 250;
  let last = 'no try';
  while (!state.closed) {
    try {
      const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params), signal: AbortSignal.timeout(opts.timeoutMs ?? state.webhookTimeoutMs) });
      if (res.status < 500) return res;
      last = `answered ${res.status}`;
      await res.body?.cancel();
    } catch (err) {
      // refused, reset or timed out: the customer's side may be restarting
      last = (err as Error).name === 'TimeoutError' ? 'timed out' : 'connection failed';
    }
    if (Date.now() + wait > until) break;
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 8_000);
  }
  if (!state.closed) state.log(`sim: webhook ${new URL(url).pathname} given up (${last})`);
  return null;
}
