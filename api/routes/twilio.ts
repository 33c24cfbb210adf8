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
import { attemptWithStrategy } from '../../db/queries/attempts';
import { reportCallStatus, reportSmsStatus, scriptKeyPressed } from '../../services/carrier-reports';
import { optOutSafeMode } from '../../services/opt-out-safety';
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

const xml = (s: string) => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
const twiml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

export const twilioRoutes = new Hono<TwilioEnv>()
  .use('*', bodyLimit({ maxSize: 64 * 1024 }))

  .post('/voice/:attemptId', byVoiceAttempt, async (c) => {
    const { db, publicUrl } = c.var.deps;
    const attemptId = c.req.param('attemptId');
    // a machine: the strategy's voicemail once per contact and campaign, otherwise hang up
    if (c.var.params.AnsweredBy?.startsWith('machine')) {
      const message = await machineAnswered(c.var.deps, { attemptId });
      const body = message ? `<Say language="${xml(message.language)}">${xml(message.text)}</Say><Hangup/>` : '<Hangup/>';
      return c.body(twiml(body), 200, { 'content-type': 'text/xml' });
    }
    const row = await attemptWithStrategy(db, attemptId);
    const strategy = row?.strategy;
    if (!row || !strategy) return c.body(twiml('<Hangup/>'), 200, { 'content-type': 'text/xml' });
    const { text, language } = strategy.announcement;
    const lang = xml(language);
    const action = xml(`${publicUrl.replace(/\/$/, '')}/twilio/gather/${row.attempt.id}`);
    // the announcement is inside the Gather: pressing 0 while it plays opts out at once
    const body = (await optOutSafeMode(c.var.deps)) // the opt-out path failed its self-check: offer only the opt-out
      ? `<Gather input="dtmf" numDigits="1" timeout="5" action="${action}" method="POST" language="${lang}"><Say language="${lang}">${xml(text)}</Say><Say language="${lang}">Press 0 if you do not want to be called again.</Say></Gather><Say language="${lang}">Goodbye.</Say><Hangup/>`
      : `<Gather input="dtmf speech" numDigits="1" timeout="5" action="${action}" method="POST" language="${lang}">` +
        `<Say language="${lang}">${xml(text)}</Say><Say language="${lang}">Press 1 if you would like us to help you now.</Say>` +
        `</Gather><Say language="${lang}">Thank you. Goodbye.</Say><Hangup/>`;
    return c.body(twiml(body), 200, { 'content-type': 'text/xml' });
  })

  .post('/gather/:attemptId', byGatherAttempt, async (c) => {
    const pressed = await scriptKeyPressed(c.var.deps, { attemptId: c.req.param('attemptId'), digits: c.var.params.Digits });
    if (pressed === 'unknown-attempt') return c.body(twiml('<Hangup/>'), 200, { 'content-type': 'text/xml' });
    if (pressed === 'opted-out') return c.body(twiml('<Say>You will not be called again. Goodbye.</Say><Hangup/>'), 200, { 'content-type': 'text/xml' });
    if (pressed === 'converted') return c.body(twiml('<Say>Thank you. An advisor will contact you shortly. Goodbye.</Say><Hangup/>'), 200, { 'content-type': 'text/xml' });
    const reply = c.var.params.SpeechResult ? 'Thank you for your question. An advisor will answer it shortly.' : 'Thank you.';
    return c.body(twiml(`<Say>${reply} Goodbye.</Say><Hangup/>`), 200, { 'content-type': 'text/xml' });
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
