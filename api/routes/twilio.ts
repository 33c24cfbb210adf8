/**
 * Carrier webhooks: TwiML for calls, Gather results, call and SMS status callbacks and inbound SMS. Every route
 * requires a valid X-Twilio-Signature computed over our public URL with the token of the line the
 * webhook is about: the attempt's own line for a call or an SMS we sent (its URL names the attempt), the line the
 * text was sent to for an inbound SMS (services/webhook-auth.ts). A redelivery the carrier marks
 * with an I-Twilio-Idempotency-Token we already handled is answered without acting again.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { hangUp, say, twiml } from '../../domain/call-twiml';
import { answerCall, answerTurn } from '../../services/call-script';
import { reportCallStatus, reportSmsStatus } from '../../services/carrier-reports';
import { receiveSms } from '../../services/sms-replies';
import { machineAnswered } from '../../services/voicemail';
import { verifyCarrierWebhook, webhookDeliveryHandled, webhookDeliverySeen, type WebhookSigner } from '../../services/webhook-auth';
import type { AppEnv } from '../context';
import { ErrorCode, problem } from '../errors';

type TwilioEnv = AppEnv & { Variables: { params: Record<string, string>; lineId: string } };

/**
 * A webhook already handled is answered with nothing to do (an empty TwiML document, or 204), or
 * handled again where that has no side effect (the call's TwiML: a lost answer must not cost the
 * call its script).
 */
type ReplayAnswer = 'twiml' | 'empty' | 'handle-again';

const signedBy = (signer: (c: { req: { param(name: string): string | undefined } }, params: Record<string, string>) => WebhookSigner, onReplay: ReplayAnswer) =>
  createMiddleware<TwilioEnv>(async (c, next) => {
    const raw = await c.req.parseBody();
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') params[k] = v;
    const url = new URL(c.req.url);
    const publicUrl = `${c.var.deps.publicUrl.replace(/\/$/, '')}${url.pathname}${url.search}`;
    const verdict = await verifyCarrierWebhook(c.var.deps, { signer: signer(c, params), signature: c.req.header('x-twilio-signature'), url: publicUrl, params });
    if (!verdict.ok) {
      c.var.deps.log(`carrier webhook ${url.pathname.replace(/[0-9a-f-]{36}$/i, ':id')} refused: ${verdict.reason}`);
      return problem(c, 403, ErrorCode.badSignature, 'X-Twilio-Signature is missing or does not match this request.');
    }
    c.set('params', params);
    c.set('lineId', verdict.lineId);
    // the header is not signed: it only tells the carrier's own redeliveries apart, never replaces the signature
    const token = c.req.header('i-twilio-idempotency-token');
    if (!token || token.length > 200 || onReplay === 'handle-again') return next();
    if (await webhookDeliverySeen(c.var.deps, token)) {
      return onReplay === 'empty' ? c.body(null, 204) : c.body(twiml(''), 200, { 'content-type': 'text/xml' });
    }
    await next();
    // remembered only once handled: a delivery that failed (or a process killed half-way) is acted on when retried
    if (!c.error && c.res.status < 300) await webhookDeliveryHandled(c.var.deps, token);
  });

const attemptOf = (c: { req: { param(name: string): string | undefined } }) => ({ attemptId: c.req.param('attemptId') ?? '' });
const byVoiceAttempt = signedBy(attemptOf, 'handle-again');
const byGatherAttempt = signedBy(attemptOf, 'twiml');
const byStatusAttempt = signedBy(attemptOf, 'empty');
const byInboundNumber = signedBy((_c, params) => ({ to: params.To }), 'twiml');

/** Where the Gather of a turn posts: the attempt's gather URL with the turn it answers. */
const gatherUrlOf = (publicUrl: string, attemptId: string) => (turn: number) => `${publicUrl.replace(/\/$/, '')}/twilio/gather/${attemptId}?turn=${turn}`;
const MAX_TURN = 50;

export const twilioRoutes = new Hono<TwilioEnv>()
  .use('*', bodyLimit({ maxSize: 64 * 1024 }))

  .post('/voice/:attemptId', byVoiceAttempt, async (c) => {
    const attemptId = c.req.param('attemptId');
    // a machine: the strategy's voicemail once per contact and campaign, otherwise hang up
    if (c.var.params.AnsweredBy?.startsWith('machine')) {
      const message = await machineAnswered(c.var.deps, { attemptId });
      return c.body(twiml(message ? say(message.language, message.text) + hangUp() : hangUp()), 200, { 'content-type': 'text/xml' });
    }
    const body = await answerCall(c.var.deps, { attemptId, gatherUrl: gatherUrlOf(c.var.deps.publicUrl, attemptId) });
    return c.body(body, 200, { 'content-type': 'text/xml' });
  })

  .post('/gather/:attemptId', byGatherAttempt, async (c) => {
    const attemptId = c.req.param('attemptId');
    // the first Gather of calls placed before turns were counted has no ?turn
    const turn = Math.min(MAX_TURN, Math.max(1, Math.trunc(Number(c.req.query('turn') ?? 1)) || 1));
    const { Digits: digits, SpeechResult: speech } = c.var.params;
    const body = await answerTurn(c.var.deps, { attemptId, turn, digits: digits || undefined, speech: speech?.trim() || undefined, gatherUrl: gatherUrlOf(c.var.deps.publicUrl, attemptId) });
    return c.body(body, 200, { 'content-type': 'text/xml' });
  })

  .post('/status/:attemptId', byStatusAttempt, async (c) => {
    const p = c.var.params;
    if (!p.CallSid || !p.CallStatus) return problem(c, 400, ErrorCode.validation, 'CallSid and CallStatus are required.');
    await reportCallStatus(c.var.deps, { attemptId: c.req.param('attemptId'), params: p });
    return c.body(null, 204);
  })

  .post('/sms/status/:attemptId', byStatusAttempt, async (c) => {
    const p = c.var.params;
    if (!(p.MessageSid ?? p.SmsSid) || !(p.MessageStatus ?? p.SmsStatus)) return problem(c, 400, ErrorCode.validation, 'MessageSid and MessageStatus are required.');
    await reportSmsStatus(c.var.deps, { attemptId: c.req.param('attemptId'), params: p });
    return c.body(null, 204);
  })

  .post('/sms/inbound', byInboundNumber, async (c) => {
    const { From: from, Body: text, MessageSid: sid } = c.var.params;
    if (!from || text === undefined) return c.body(twiml(''), 200, { 'content-type': 'text/xml' });
    const action = await receiveSms(c.var.deps, { tenant: c.var.deps.tenant, from, body: text, messageSid: sid ?? c.var.params.SmsSid ?? '', lineId: c.var.lineId });
    const reply =
      action === 'opted-out'
        ? '<Message>You have been unsubscribed and will not be contacted again.</Message>'
        : action === 'resubscribed'
          ? '<Message>You have been resubscribed. Reply STOP or TD to unsubscribe.</Message>'
          : '';
    return c.body(twiml(reply), 200, { 'content-type': 'text/xml' });
  });
