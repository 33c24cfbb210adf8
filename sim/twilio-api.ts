/**
 * The Twilio REST subset Redial uses (Calls create, list, fetch, update; Messages create),
 * answered with Twilio's JSON shapes and error bodies so the real `twilio` client accepts them.
 */
import type { Context, Hono } from 'hono';
import { runCall } from './call-lifecycle';
import { recordingJson } from './recordings';
import { sleep } from './clock';
import { calleeFor } from './outcomes';
import { calleeScriptFor, overCps, profileOf, track, type SimAccount, type SimCall, type SimMessage, type SimState } from './state';
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

/**
 * The line's REST faults, before a request is processed: latency, a stalled front end (held, then
 * 504 unprocessed), a failing API (500 unprocessed). A Response when the request ends here.
 */
async function restFault(state: SimState, c: Context, from: string | undefined): Promise<Response | null> {
  if (!from) return null;
  const p = profileOf(state, from);
  if (p.latencyMs) await new Promise((r) => setTimeout(r, p.latencyMs));
  if (p.apiHangMs) {
    await new Promise((r) => setTimeout(r, p.apiHangMs));
    return twilioError(c, 504, 20504, 'Gateway Timeout');
  }
  if (Math.random() < p.apiErrorRate) return twilioError(c, 500, 20500, 'Internal Server Error');
  return null;
}

/**
 * Twilio's date filters: a bare date (YYYY-MM-DD) compares by UTC calendar day, a date-time
 * exactly. `StartTime>` means on or after, `StartTime<` on or before, `StartTime` on that day.
 */
function startTimeFilter(q: Record<string, string>): (t: number | null) => boolean {
  const day = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);
  const tests: Array<(t: number) => boolean> = [];
  const after = q['StartTime>'];
  const before = q['StartTime<'];
  const on = q.StartTime;
  if (after) tests.push(day(after) ? (t) => t >= Date.parse(`${after}T00:00:00Z`) : (t) => t >= Date.parse(after));
  if (before) tests.push(day(before) ? (t) => t < Date.parse(`${before}T00:00:00Z`) + 86_400_000 : (t) => t <= Date.parse(before));
  if (on) tests.push(day(on) ? (t) => new Date(t).toISOString().slice(0, 10) === on : (t) => t === Date.parse(on));
  // a call not yet dialled has no start time: any start-time filter leaves it out, as Twilio's does
  return (t) => tests.length === 0 || (t !== null && tests.every((f) => f(t)));
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
    start_time: rfc2822(call.dialledAt),
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
    const fault = await restFault(state, c, from);
    if (fault) return fault;
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
      dialledAt: null,
      startedAt: null,
      endedAt: null,
      answeredBy: null,
      durationSec: null,
      sipResponseCode: null,
      refusedBy: cpsRefused ? 'cps' : Math.random() < profileOf(state, from).failureRate ? 'fault' : Math.random() < profileOf(state, from).unreachableRate ? 'unreachable' : null,
      digits: [],
      speech: [],
      script: calleeScriptFor(state, to),
      said: [],
      hangup: null,
      events: [],
      params: p,
    };
    state.calls.set(call.sid, call);
    void track(state, runCall(state, call).catch((err: Error) => state.log(`sim: call ${call.sid} crashed: ${err.message}`)));
    const line = profileOf(state, from);
    // the call is out; the answer may still be lost or late, and the caller cannot tell
    if (Math.random() < line.loseResponseRate) return twilioError(c, 500, 20500, 'Internal Server Error');
    const answer = callJson(call);
    if (line.responseDelayMs) await new Promise((r) => setTimeout(r, line.responseDelayMs));
    return c.json(answer, 201);
  });

  app.get(`${api}/Calls.json`, async (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const q = c.req.query();
    const fault = await restFault(state, c, q.From);
    if (fault) return fault;
    const started = startTimeFilter(q);
    // Twilio's list filters (To, From, Status, StartTime>/</=), newest first
    const list = [...state.calls.values()]
      .filter((x) => x.accountSid === acct.sid && (!q.To || x.to === q.To) && (!q.From || x.from === q.From) && (!q.Status || x.status === q.Status) && started(x.dialledAt))
      .sort((a, b) => b.createdAt - a.createdAt);
    const uri = `/2010-04-01/Accounts/${acct.sid}/Calls.json`;
    return c.json({ calls: list.map(callJson), page: 0, page_size: list.length, start: 0, end: Math.max(0, list.length - 1), uri, first_page_uri: uri, next_page_uri: null, previous_page_uri: null });
  });

  app.get(`${api}/Calls/:file`, async (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const call = state.calls.get(/^(\w+)\.json$/.exec(c.req.param('file'))?.[1] ?? '');
    if (!call || call.accountSid !== acct.sid) return twilioError(c, 404, 20404, 'The requested resource was not found');
    const fault = await restFault(state, c, call.from);
    if (fault) return fault;
    return c.json(callJson(call));
  });

  app.post(`${api}/Calls/:file`, async (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const call = state.calls.get(/^(\w+)\.json$/.exec(c.req.param('file'))?.[1] ?? '');
    if (!call || call.accountSid !== acct.sid) return twilioError(c, 404, 20404, 'The requested resource was not found');
    const fault = await restFault(state, c, call.from);
    if (fault) return fault;
    const p = await form(c);
    const status = one(p.Status);
    // like Twilio: cancel only before answer, complete only while in progress; the call ends at its next step
    if (status === 'canceled' && ['queued', 'initiated', 'ringing'].includes(call.status)) call.hangup = 'canceled';
    else if (status === 'completed' && call.status === 'in-progress') call.hangup = 'completed';
    if (call.hangup) call.status = call.hangup;
    return c.json(callJson(call));
  });

  app.get(`${api}/Recordings/:file`, (c) => {
    const acct = authorise(state, c);
    if (acct instanceof Response) return acct;
    const [, sid, ext] = /^(RE\w+?)(\.json|\.wav)?$/.exec(c.req.param('file')) ?? [];
    const rec = state.recordings.get(sid ?? '');
    if (!rec || rec.accountSid !== acct.sid) return twilioError(c, 404, 20404, 'The requested resource was not found');
    if (ext === '.json') return c.json(recordingJson(rec));
    return c.body(new Uint8Array(rec.audio), 200, { 'content-type': 'audio/x-wav', 'content-length': String(rec.audio.length) });
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
    const msg: SimMessage = { sid: sidOf('SM'), accountSid: acct.sid, direction: 'outbound-api', from, to, body: one(p.Body) ?? '', status: 'queued', createdAt: Date.now(), statusCallback: one(p.StatusCallback) ?? null };
    state.messages.push(msg);
    const cb = one(p.StatusCallback);
    // like Twilio: status callbacks in order, `sent` then `delivered`; a number that does not exist
    // (last digit 0) is `undelivered` 30005 after `sent`; the line's SMS failure rate fails it
    // before sending (`failed` 30008)
    const fate = Math.random() < profileOf(state, from).smsFailureRate ? 'failed' : calleeFor(to).kind === 'nonexistent' ? 'undelivered' : 'delivered';
    const report = async (status: string, extra: Record<string, string> = {}) => {
      msg.status = status;
      if (!cb) return;
      const params = { AccountSid: acct.sid, MessageSid: msg.sid, SmsSid: msg.sid, MessageStatus: status, SmsStatus: status, From: from, To: to, ApiVersion: '2010-04-01', ...extra };
      await post(state, acct.sid, cb, params);
      if (Math.random() < profileOf(state, from).duplicateRate) await post(state, acct.sid, cb, params);
    };
    void track(
      state,
      (async () => {
        await sleep(state, 1);
        if (fate === 'failed') return report('failed', { ErrorCode: '30008' });
        await report('sent');
        await sleep(state, 2);
        await (fate === 'undelivered' ? report('undelivered', { ErrorCode: '30005' }) : report('delivered'));
      })(),
    );
    return c.json({ sid: msg.sid, account_sid: acct.sid, to, from, body: msg.body, status: msg.status, direction: msg.direction, date_created: rfc2822(msg.createdAt), uri: `/2010-04-01/Accounts/${acct.sid}/Messages/${msg.sid}.json` }, 201);
  });
}
