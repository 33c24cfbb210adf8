/**
 * Who may sign a carrier webhook, and whether it was handled before. A call's webhooks (TwiML,
 * Gather, status) name their attempt in the URL, so they must carry the signature of the line
 * that attempt was placed on; an inbound SMS must carry the signature of the line it was sent to
 * (`To`). Never the token of whatever AccountSid the caller names. This is the one place a line's
 * auth token is read for verification.
 */
import twilio from 'twilio';
import type { Db } from '../db/client';
import type { Keyring } from './keyring';
import { openLineToken } from './lines';
import { lineByNumber } from '../db/queries/lines';
import { lineOfAttempt, pruneWebhookTokens, rememberWebhookToken, webhookTokenSeen } from '../db/queries/webhooks';
import { lineSignsWebhooks, WEBHOOK_TOKEN_RETENTION_MS } from '../domain/webhooks';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type WebhookSigner = { attemptId: string } | { to: string | undefined };

export type WebhookVerdict = { ok: true; lineId: string } | { ok: false; reason: 'no-signature' | 'unknown-line' | 'account-mismatch' | 'line-closed' | 'bad-signature' };

/**
 * Checks X-Twilio-Signature against the signing line's token over our public URL and the posted
 * parameters. The reason is for our logs only: every refusal looks the same to the caller.
 */
export async function verifyCarrierWebhook(
  deps: { db: Db; keyring: Keyring },
  input: { signer: WebhookSigner; signature: string | undefined; url: string; params: Record<string, string>; now?: number },
): Promise<WebhookVerdict> {
  if (!input.signature) return { ok: false, reason: 'no-signature' };
  const { signer } = input;
  const line =
    'attemptId' in signer ? (UUID.test(signer.attemptId) ? await lineOfAttempt(deps.db, signer.attemptId) : null) : signer.to ? await lineByNumber(deps.db, signer.to) : null;
  if (!line) return { ok: false, reason: 'unknown-line' };
  // the carrier names the account it sends for: it must be the line's own
  if (input.params.AccountSid !== undefined && input.params.AccountSid !== line.accountSid) return { ok: false, reason: 'account-mismatch' };
  if (!lineSignsWebhooks(line, 'attemptId' in signer ? 'call' : 'sms', input.now ?? Date.now())) return { ok: false, reason: 'line-closed' };
  if (!twilio.validateRequest(openLineToken(deps.keyring, line.authToken), input.signature, input.url, input.params)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, lineId: line.id };
}

let lastPrune = 0;

/**
 * Whether a delivery with the carrier's I-Twilio-Idempotency-Token (the same on its retries of one
 * webhook) was handled already: then it is answered without acting again. A delivery counts as
 * handled only once it succeeded (`webhookDeliveryHandled`), so one cut short — an error, the API
 * killed half-way — is acted on when the carrier retries it; two copies arriving at the same
 * moment may both act, which every handler tolerates (they are idempotent). Old tokens are
 * forgotten (at most once a minute per process), so the table stays bounded.
 */
export async function webhookDeliverySeen(deps: { db: Db }, token: string): Promise<boolean> {
  if (Date.now() - lastPrune > 60_000) {
    lastPrune = Date.now();
    await pruneWebhookTokens(deps.db, new Date(Date.now() - WEBHOOK_TOKEN_RETENTION_MS));
  }
  return webhookTokenSeen(deps.db, token);
}

export async function webhookDeliveryHandled(deps: { db: Db }, token: string): Promise<void> {
  await rememberWebhookToken(deps.db, token);
}
