/**
 * Carrier webhooks: TwiML for calls, Gather results, status callbacks and inbound SMS. Every route
 * requires a valid X-Twilio-Signature computed with the line's auth token over our public URL.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import twilio from 'twilio';
import { attemptWithStrategy } from '../../db/queries/attempts';
import { lineByAccount } from '../../db/queries/lines';
import { isOptOutReply } from '../../domain/opt-out-words';
import { reportCallStatus, scriptKeyPressed } from '../../services/carrier-reports';
import { optOutBySms } from '../../services/contacts';
import { openLineToken } from '../../services/lines';
import type { AppEnv } from '../context';
import { ErrorCode, problem } from '../errors';

type TwilioEnv = AppEnv & { Variables: { params: Record<string, string> } };

const verifySignature = createMiddleware<TwilioEnv>(async (c, next) => {
  const raw = await c.req.parseBody();
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') params[k] = v;
  const signature = c.req.header('x-twilio-signature');
  const line = params.AccountSid ? await lineByAccount(c.var.deps.db, params.AccountSid) : null;
  const url = new URL(c.req.url);
  const publicUrl = `${c.var.deps.publicUrl.replace(/\/$/, '')}${url.pathname}${url.search}`;
  if (!signature || !line || !twilio.validateRequest(openLineToken(c.var.deps.keyring, line.authToken), signature, publicUrl, params)) {
    return problem(c, 403, ErrorCode.badSignature, 'X-Twilio-Signature is missing or does not match this request.');
  }
  c.set('params', params);
  await next();
});

const xml = (s: string) => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
const twiml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

export const twilioRoutes = new Hono<TwilioEnv>()
  .use('*', bodyLimit({ maxSize: 64 * 1024 }))
  .use('*', verifySignature)

  .post('/voice/:attemptId', async (c) => {
    const { db, publicUrl } = c.var.deps;
    const row = await attemptWithStrategy(db, c.req.param('attemptId'));
    const strategy = row?.strategy;
    if (!row || !strategy) return c.body(twiml('<Hangup/>'), 200, { 'content-type': 'text/xml' });
    const { text, language } = strategy.announcement;
    const lang = xml(language);
    const action = xml(`${publicUrl.replace(/\/$/, '')}/twilio/gather/${row.attempt.id}`);
    // the announcement is inside the Gather: pressing 0 while it plays opts out at once
    const body = c.var.params.AnsweredBy?.startsWith('machine')
      ? `<Say language="${lang}">${xml(text)}</Say><Hangup/>`
      : `<Gather input="dtmf speech" numDigits="1" timeout="5" action="${action}" method="POST" language="${lang}">` +
        `<Say language="${lang}">${xml(text)}</Say><Say language="${lang}">Press 1 if you would like us to help you now.</Say>` +
        `</Gather><Say language="${lang}">Thank you. Goodbye.</Say><Hangup/>`;
    return c.body(twiml(body), 200, { 'content-type': 'text/xml' });
  })

  .post('/gather/:attemptId', async (c) => {
    const pressed = await scriptKeyPressed(c.var.deps, { attemptId: c.req.param('attemptId'), digits: c.var.params.Digits });
    if (pressed === 'unknown-attempt') return c.body(twiml('<Hangup/>'), 200, { 'content-type': 'text/xml' });
    if (pressed === 'opted-out') return c.body(twiml('<Say>You will not be called again. Goodbye.</Say><Hangup/>'), 200, { 'content-type': 'text/xml' });
    if (pressed === 'converted') return c.body(twiml('<Say>Thank you. An advisor will contact you shortly. Goodbye.</Say><Hangup/>'), 200, { 'content-type': 'text/xml' });
    const reply = c.var.params.SpeechResult ? 'Thank you for your question. An advisor will answer it shortly.' : 'Thank you.';
    return c.body(twiml(`<Say>${reply} Goodbye.</Say><Hangup/>`), 200, { 'content-type': 'text/xml' });
  })

  .post('/status/:attemptId', async (c) => {
    const p = c.var.params;
    if (!p.CallSid || !p.CallStatus) return problem(c, 400, ErrorCode.validation, 'CallSid and CallStatus are required.');
    await reportCallStatus(c.var.deps, { attemptId: c.req.param('attemptId'), params: p });
    return c.body(null, 204);
  })

  .post('/sms/inbound', async (c) => {
    const { From: from, Body: text } = c.var.params;
    if (from && text !== undefined && isOptOutReply(text)) {
      await optOutBySms(c.var.deps, { tenant: c.var.deps.tenant, phone: from });
      return c.body(twiml('<Message>You have been unsubscribed and will not be contacted again.</Message>'), 200, { 'content-type': 'text/xml' });
    }
    return c.body(twiml(''), 200, { 'content-type': 'text/xml' });
  });
