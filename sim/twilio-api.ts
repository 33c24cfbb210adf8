/**
 * The Twilio REST subset Redial uses (Calls create, list, fetch, update; Messages create),
 * answered with Twilio's JSON shapes and error bodies so the real `twilio` client accepts them.
 */
import type { Context, Hono } from 'hono';
import { runCall } from './call-lifecycle';
import { sleep } from './clock';
import { overCps, profileOf, track, type SimAccount, type SimCall, type SimMessage, type SimState } from './state';
import { post } from './webhooks';
import { one, rfc2822, sidOf } from './wire';

const E164 = /^\+[1-9]\d{6,14}$/;

function twilioError(c: Context, status: number, code: number, message: string) {
  return c.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, status as 400);
}

function authorise(state: SimState, c: Context): SimAccount | Response {
  const sid = c.req.param('account')!;
  const header = c.req.header('authorization') ?? '';
  const [user, pass] = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString().split(':');
  const acct = state.accounts.get(sid);
  if (!acct || user !== sid || pass !== acct.token) return twilioError(c, 401, 20003, 'Authenticate');
  return acct;
}

async function form(c: Context): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) out[k] = Array.isArray(v) ? v.map(String) : String(v);
  return out;
}

function callJson(call: SimCall) {
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    to: call.to,
    from: call.from,
    status: call.status,
    direction: 'outbound-api',
    answered_by: call.answeredBy,
    duration: call.durationSec === null ? null : String(call.durationSec),
    price: call.durationSec ? (-0.013 * Math.ceil(call.durationSec / 60)).toFixed(4) : null,
    price_unit: 'USD',
    start_time: rfc2822(call.startedAt),
    end_time: rfc2822(call.endedAt),
    date_created: rfc2822(call.createdAt),
    date_updated: rfc2822(call.endedAt ?? call.startedAt ?? call.createdAt),
    api_version: '2010-04-01',
    uri: `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}.json`,
  };
}

export function registerTwilioApi(app: Hono, state: SimState) {
  const api = '/2010-04-01/Accounts/:account';

  app.post(`${api}/Calls.json`, async (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const p = await form(c);
    const to = one(p.To) ?? '';
    const from = one(p.From) ?? '';
    const latency = profileOf(state, from).latencyMs;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    if (Math.random() < profileOf(state, from).apiErrorRate) return twilioError(c, 500, 20500, 'Internal Server Error');
    if (!E164.test(to)) return twilioError(c, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!one(p.Url) && !one(p.Twiml)) return twilioError(c, 400, 21205, 'Url parameter is required.');
    state.numberOwner.set(from, acct.sid);
    const now = Date.now();
    const cpsRefused = overCps(state, from, now);
    const call: SimCall = {
      sid: sidOf('CA'),
      accountSid: acct.sid,
      from,
      to,
      status: 'queued',
      createdAt: now,
      startedAt: null,
      endedAt: null,
      answeredBy: null,
      durationSec: null,
      sipResponseCode: null,
      refusedBy: cpsRefused ? 'cps' : Math.random() < profileOf(state, from).failureRate ? 'fault' : Math.random() < profileOf(state, from).unreachableRate ? 'unreachable' : null,
      digits: [],
      speech: [],
      hangup: null,
      events: [],
      params: p,
    };
    state.calls.set(call.sid, call);
    void track(state, runCall(state, call).catch((err: Error) => state.log(`sim: call ${call.sid} crashed: ${err.message}`)));
    return c.json(callJson(call), 201);
  });

  app.get(`${api}/Calls.json`, (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const q = c.req.query();
    if (q.From && Math.random() < profileOf(state, q.From).apiErrorRate) return twilioError(c, 500, 20500, 'Internal Server Error');
    const after = q['StartTime>'] ? Date.parse(q['StartTime>']) : null;
    const list = [...state.calls.values()].filter(
      (x) => x.accountSid === acct.sid && (!q.To || x.to === q.To) && (!q.From || x.from === q.From) && (after === null || x.createdAt >= after - 86_400_000),
    );
    const uri = `/2010-04-01/Accounts/${acct.sid}/Calls.json`;
    return c.json({ calls: list.map(callJson), page: 0, page_size: list.length, start: 0, end: list.length, uri, first_page_uri: uri, next_page_uri: null, previous_page_uri: null });
  });

  app.get(`${api}/Calls/:file`, (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const call = state.calls.get(/^(\w+)\.json$/.exec(c.req.param('file'))?.[1] ?? '');
    if (!call || call.accountSid !== acct.sid) return twilioError(c, 404, 20404, 'The requested resource was not found');
    return c.json(callJson(call));
  });

  app.post(`${api}/Calls/:file`, async (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const call = state.calls.get(/^(\w+)\.json$/.exec(c.req.param('file'))?.[1] ?? '');
    if (!call || call.accountSid !== acct.sid) return twilioError(c, 404, 20404, 'The requested resource was not found');
    const p = await form(c);
    const status = one(p.Status);
    // like Twilio: cancel only before answer, complete only while in progress; the call ends at its next step
    if (status === 'canceled' && ['queued', 'initiated', 'ringing'].includes(call.status)) call.hangup = 'canceled';
    else if (status === 'completed' && call.status === 'in-progress') call.hangup = 'completed';
    if (call.hangup) call.status = call.hangup;
    return c.json(callJson(call));
  });

  app.post(`${api}/Messages.json`, async (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const p = await form(c);
    const to = one(p.To) ?? '';
    const from = one(p.From) ?? '';
    if (!E164.test(to)) return twilioError(c, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (state.blocked.has(`${from}|${to}`)) return twilioError(c, 400, 21610, 'Attempt to send to unsubscribed recipient');
    state.numberOwner.set(from, acct.sid);
    const msg: SimMessage = { sid: sidOf('SM'), accountSid: acct.sid, direction: 'outbound-api', from, to, body: one(p.Body) ?? '', status: 'queued', createdAt: Date.now() };
    state.messages.push(msg);
    const cb = one(p.StatusCallback);
    void track(
      state,
      (async () => {
        await sleep(state, 1);
        msg.status = 'delivered';
        if (cb) await post(state, acct.sid, cb, { AccountSid: acct.sid, MessageSid: msg.sid, SmsSid: msg.sid, MessageStatus: 'delivered', From: from, To: to });
      })(),
    );
    return c.json({ sid: msg.sid, account_sid: acct.sid, to, from, body: msg.body, status: msg.status, direction: msg.direction, date_created: rfc2822(msg.createdAt), uri: `/2010-04-01/Accounts/${acct.sid}/Messages/${msg.sid}.json` }, 201);
  });
}
