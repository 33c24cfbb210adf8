/**
 * A Twilio-compatible carrier simulator: the REST subset Redial uses, TwiML execution, signed
 * status callbacks and inbound SMS, per-line fault profiles and a compressed clock. The real
 * `twilio` package talks to it over HTTP; tests inspect it under /sim/.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { calleeFor, isStartWord, isStopWord, QUESTIONS } from './outcomes';
import { twilioSignature } from './signature';
import { parseTwiml, type Verb } from './twiml';

export interface SimAccount {
  sid: string;
  token: string;
}

export interface LineProfile {
  /** Share of calls that fail in the network (SIP 503), 0..1. */
  failureRate: number;
  /** Share of REST requests (call create, message create, call list) answered 500: the carrier's API itself failing. */
  apiErrorRate: number;
  /** Extra latency on every API request from this line, ms (real time). */
  latencyMs: number;
  /** Calls per second above which new calls are refused with SIP 503; null = unlimited. */
  cps: number | null;
  /** Share of status callbacks delivered twice, 0..1. */
  duplicateRate: number;
  /** Deliver a call's status callbacks in reverse order, after it ends. */
  reorder: boolean;
}

export interface SimOptions {
  accounts: SimAccount[];
  /** Real seconds per simulated second: 0.01 plays a 60 s call in 0.6 s. */
  timeScale?: number;
  /** Where inbound SMS are delivered (Redial's /twilio/sms/inbound). */
  inboundSmsUrl?: string;
  log?: (m: string) => void;
}

export interface SimCallEvent {
  status: string;
  sequence: number;
  at: number;
}

export interface SimCall {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  status: string;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  answeredBy: string | null;
  durationSec: number | null;
  sipResponseCode: number | null;
  /** Why the network failed it, when it did: cps (over the line's CPS) or fault (failure rate). */
  refusedBy: 'cps' | 'fault' | null;
  digits: string[];
  speech: string[];
  /** Set by a Calls update (Status=canceled|completed): the call ends at its next step. */
  hangup: 'canceled' | 'completed' | null;
  events: SimCallEvent[];
  params: Record<string, string | string[]>;
}

export interface SimMessage {
  sid: string;
  accountSid: string;
  direction: 'outbound-api' | 'inbound';
  from: string;
  to: string;
  body: string;
  status: string;
  createdAt: number;
}

const defaultProfile = (): LineProfile => ({ failureRate: 0, latencyMs: 0, cps: null, duplicateRate: 0, reorder: false, apiErrorRate: 0 });
const E164 = /^\+[1-9]\d{6,14}$/;
const sidOf = (prefix: string) => prefix + randomBytes(16).toString('hex');
const rfc2822 = (ms: number | null) => (ms === null ? null : new Date(ms).toUTCString().replace('GMT', '+0000'));

export function createSim(opts: SimOptions) {
  const log = opts.log ?? (() => {});
  let timeScale = opts.timeScale ?? 0.05;
  const accounts = new Map(opts.accounts.map((a) => [a.sid, a]));
  const calls = new Map<string, SimCall>();
  const messages: SimMessage[] = [];
  const profiles = new Map<string, LineProfile>();
  /** "ourNumber|theirNumber" pairs where the person texted STOP. */
  const blocked = new Set<string>();
  /** Which account owns a from number (learnt from outbound traffic). */
  const numberOwner = new Map<string, string>();
  /** Per from-number, creation times within the last second (CPS). */
  const recent = new Map<string, number[]>();
  const pending = new Set<Promise<unknown>>();
  let closed = false;

  const sleep = (virtualSec: number) => new Promise((r) => setTimeout(r, Math.max(0, virtualSec * 1000 * timeScale)));
  class HungUp extends Error {}
  /** Simulated time passing on a call; a hang-up requested meanwhile ends the call there. */
  const step = async (call: SimCall, virtualSec: number) => {
    // in slices of at most 100 ms real time, so a hang-up lands promptly
    const until = Date.now() + Math.max(0, virtualSec * 1000 * timeScale);
    for (;;) {
      if (call.hangup) throw new HungUp();
      const left = until - Date.now();
      if (left <= 0) return;
      await new Promise((r) => setTimeout(r, Math.min(left, 100)));
    }
  };
  const profileOf = (from: string) => profiles.get(from) ?? defaultProfile();
  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  function twilioError(c: Context, status: number, code: number, message: string) {
    return c.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, status as 400);
  }

  function authorise(c: Context): SimAccount | Response {
    const sid = c.req.param('account')!;
    const header = c.req.header('authorization') ?? '';
    const [user, pass] = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString().split(':');
    const acct = accounts.get(sid);
    if (!acct || user !== sid || pass !== acct.token) return twilioError(c, 401, 20003, 'Authenticate');
    return acct;
  }

  async function form(c: Context): Promise<Record<string, string | string[]>> {
    const body = await c.req.parseBody({ all: true });
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(body)) out[k] = Array.isArray(v) ? v.map(String) : String(v);
    return out;
  }
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

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

  async function post(accountSid: string, url: string, params: Record<string, string>): Promise<Response | null> {
    const token = accounts.get(accountSid)!.token;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params) };
    for (let i = 0; i < 3 && !closed; i++) {
      try {
        const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params) });
        if (res.status < 500) return res;
      } catch {
        /* connection refused or reset: retry like a carrier would */
      }
      await new Promise((r) => setTimeout(r, 200 * (i + 1)));
    }
    log(`sim: webhook ${url} failed`);
    return null;
  }

  async function runCall(call: SimCall) {
    const p = call.params;
    const profile = profileOf(call.from);
    const events = ([] as string[]).concat(p.StatusCallbackEvent ?? []).flatMap((e) => e.split(' '));
    const callbackUrl = one(p.StatusCallback);
    const held: Array<Record<string, string>> = [];
    let seq = 0;
    const base = () => ({ AccountSid: call.accountSid, CallSid: call.sid, From: call.from, To: call.to, Direction: 'outbound-api', ApiVersion: '2010-04-01' });
    const emit = async (event: string, status: string, extra: Record<string, string> = {}) => {
      call.events.push({ status, sequence: seq, at: Date.now() });
      if (!callbackUrl || (event !== 'completed' && !events.includes(event))) {
        seq++;
        return;
      }
      const params = { ...base(), CallStatus: status, SequenceNumber: String(seq++), Timestamp: rfc2822(Date.now())!, CallbackSource: 'call-progress-events', ...extra };
      if (profile.reorder) held.push(params);
      else {
        await post(call.accountSid, callbackUrl, params);
        if (Math.random() < profile.duplicateRate) await post(call.accountSid, callbackUrl, params);
      }
    };
    const end = async (status: string, extra: Record<string, string> = {}) => {
      call.status = status;
      call.endedAt = Date.now();
      const virtual = call.startedAt ? Math.max(1, Math.round((call.endedAt - call.startedAt) / 1000 / timeScale)) : 0;
      call.durationSec = virtual;
      await emit('completed', status, {
        CallDuration: String(virtual),
        Duration: String(Math.ceil(virtual / 60)),
        ...(call.answeredBy ? { AnsweredBy: call.answeredBy } : {}),
        ...(call.sipResponseCode ? { SipResponseCode: String(call.sipResponseCode) } : {}),
        ...extra,
      });
      for (const params of held.reverse()) await post(call.accountSid, callbackUrl!, params);
    };

    try {
      call.status = 'initiated';
      await emit('initiated', 'initiated');
      await step(call, 0.5);
      if (call.refusedBy) {
        call.sipResponseCode = 503;
        return end('failed');
      }
      const callee = calleeFor(call.to);
      if (callee.kind === 'nonexistent') {
        call.sipResponseCode = 404;
        return end('failed');
      }
      call.status = 'ringing';
      await emit('ringing', 'ringing');
      if (callee.kind === 'busy') {
        await step(call, 2);
        call.sipResponseCode = 486;
        return end('busy');
      }
      if (callee.kind === 'no-answer') {
        await step(call, Number(one(p.Timeout) ?? 60));
        call.sipResponseCode = 487;
        return end('no-answer');
      }
      await step(call, 4);
      call.status = 'in-progress';
      call.startedAt = Date.now();
      call.sipResponseCode = 200;
      if (one(p.MachineDetection)) call.answeredBy = callee.kind === 'machine' ? 'machine_start' : 'human';
      await emit('answered', 'in-progress', call.answeredBy ? { AnsweredBy: call.answeredBy } : {});
      const talk = callee.kind === 'listens' ? 20 + Math.random() * 100 : 0;
      const hangupAt = call.startedAt + talk * 1000 * timeScale;
      try {
        await execute(call, one(p.Url)!, one(p.Method) ?? 'POST', callee);
      } catch (err) {
        if (err instanceof HungUp) throw err;
        log(`sim: TwiML for ${call.sid} failed: ${(err as Error).message}`);
      }
      const left = hangupAt - Date.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      return end('completed');
    } catch (err) {
      if (!(err instanceof HungUp)) throw err;
      return end(call.hangup!);
    }
  }

  async function execute(call: SimCall, firstUrl: string, method: string, callee: ReturnType<typeof calleeFor>) {
    let inputGiven = false;
    const voiceParams = (extra: Record<string, string> = {}) => ({
      AccountSid: call.accountSid,
      CallSid: call.sid,
      From: call.from,
      To: call.to,
      CallStatus: call.status,
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
      ...(call.answeredBy ? { AnsweredBy: call.answeredBy } : {}),
      ...extra,
    });
    const fetchDoc = async (url: string, extra: Record<string, string> = {}): Promise<Verb[]> => {
      if (method.toUpperCase() === 'GET') throw new Error('only POST webhooks are simulated');
      const res = await post(call.accountSid, url, voiceParams(extra));
      if (!res || !res.ok) throw new Error(`TwiML fetch ${url} answered ${res?.status ?? 'nothing'}`);
      return parseTwiml(await res.text());
    };
    const speak = (v: Verb) => (v.name === 'Say' ? step(call, Math.max(1, v.text.split(/\s+/).length * 0.4)) : v.name === 'Play' ? step(call, 3) : v.name === 'Pause' ? step(call, Number(v.attrs.length ?? 1)) : undefined);
    let url = firstUrl;
    let doc = await fetchDoc(url);
    for (let guard = 0; guard < 50; guard++) {
      let next: { url: string; extra: Record<string, string> } | null = null;
      for (const v of doc) {
        if (v.name === 'Hangup' || v.name === 'Reject') return;
        if (v.name === 'Redirect') {
          next = { url: new URL(v.text, url).toString(), extra: {} };
          break;
        }
        if (v.name === 'Gather') {
          const action = new URL(v.attrs.action ?? url, url).toString();
          const wantsSpeech = (v.attrs.input ?? 'dtmf').includes('speech');
          const human = callee.kind === 'presses' || callee.kind === 'speaks';
          if (human && !inputGiven) {
            inputGiven = true;
            await step(call, 1);
            if (callee.kind === 'presses') {
              call.digits.push(callee.digits);
              next = { url: action, extra: { Digits: callee.digits } };
            } else {
              const q = QUESTIONS[Math.floor(Math.random() * QUESTIONS.length)]!;
              call.speech.push(q);
              next = wantsSpeech ? { url: action, extra: { SpeechResult: q, Confidence: '0.92' } } : null;
            }
            if (next) break;
          }
          for (const child of v.children) await speak(child);
          await step(call, Number(v.attrs.timeout ?? 5));
          if (v.attrs.actionOnEmptyResult === 'true') {
            next = { url: action, extra: {} };
            break;
          }
          continue;
        }
        if (v.name === 'Record') {
          await step(call, Math.min(Number(v.attrs.maxLength ?? 10), 10));
          if (v.attrs.action) {
            next = { url: new URL(v.attrs.action, url).toString(), extra: { RecordingUrl: `https://sim.invalid/rec/${call.sid}`, RecordingDuration: '5' } };
            break;
          }
          continue;
        }
        await speak(v);
      }
      if (!next) return;
      url = next.url;
      doc = await fetchDoc(url, next.extra);
    }
  }

  function overCps(from: string, now: number): boolean {
    const cps = profileOf(from).cps;
    const times = (recent.get(from) ?? []).filter((t) => now - t < 1000);
    times.push(now);
    recent.set(from, times);
    return cps !== null && times.length > cps;
  }

  const app = new Hono();
  const api = '/2010-04-01/Accounts/:account';

  app.post(`${api}/Calls.json`, async (c) => {
    const acct = authorise(c);
    if (acct instanceof Response) return acct;
    const p = await form(c);
    const to = one(p.To) ?? '';
    const from = one(p.From) ?? '';
    const latency = profileOf(from).latencyMs;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    if (Math.random() < profileOf(from).apiErrorRate) return twilioError(c, 500, 20500, 'Internal Server Error');
    if (!E164.test(to)) return twilioError(c, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!one(p.Url) && !one(p.Twiml)) return twilioError(c, 400, 21205, 'Url parameter is required.');
    numberOwner.set(from, acct.sid);
    const now = Date.now();
    const cpsRefused = overCps(from, now);
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
      refusedBy: cpsRefused ? 'cps' : Math.random() < profileOf(from).failureRate ? 'fault' : null,
      digits: [],
      speech: [],
      hangup: null,
      events: [],
      params: p,
    };
    calls.set(call.sid, call);
    void track(runCall(call).catch((err: Error) => log(`sim: call ${call.sid} crashed: ${err.message}`)));
    return c.json(callJson(call), 201);
  });

  app.get(`${api}/Calls.json`, (c) => {
    const acct = authorise(c);
    if (acct instanceof Response) return acct;
    const q = c.req.query();
    if (q.From && Math.random() < profileOf(q.From).apiErrorRate) return twilioError(c, 500, 20500, 'Internal Server Error');
    const after = q['StartTime>'] ? Date.parse(q['StartTime>']) : null;
    const list = [...calls.values()].filter(
      (x) => x.accountSid === acct.sid && (!q.To || x.to === q.To) && (!q.From || x.from === q.From) && (after === null || x.createdAt >= after - 86_400_000),
    );
    const uri = `/2010-04-01/Accounts/${acct.sid}/Calls.json`;
    return c.json({ calls: list.map(callJson), page: 0, page_size: list.length, start: 0, end: list.length, uri, first_page_uri: uri, next_page_uri: null, previous_page_uri: null });
  });

  app.get(`${api}/Calls/:file`, (c) => {
    const acct = authorise(c);
    if (acct instanceof Response) return acct;
    const call = calls.get(/^(\w+)\.json$/.exec(c.req.param('file'))?.[1] ?? '');
    if (!call || call.accountSid !== acct.sid) return twilioError(c, 404, 20404, 'The requested resource was not found');
    return c.json(callJson(call));
  });

  app.post(`${api}/Calls/:file`, async (c) => {
    const acct = authorise(c);
    if (acct instanceof Response) return acct;
    const call = calls.get(/^(\w+)\.json$/.exec(c.req.param('file'))?.[1] ?? '');
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
    const acct = authorise(c);
    if (acct instanceof Response) return acct;
    const p = await form(c);
    const to = one(p.To) ?? '';
    const from = one(p.From) ?? '';
    if (!E164.test(to)) return twilioError(c, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (blocked.has(`${from}|${to}`)) return twilioError(c, 400, 21610, 'Attempt to send to unsubscribed recipient');
    numberOwner.set(from, acct.sid);
    const msg: SimMessage = { sid: sidOf('SM'), accountSid: acct.sid, direction: 'outbound-api', from, to, body: one(p.Body) ?? '', status: 'queued', createdAt: Date.now() };
    messages.push(msg);
    const cb = one(p.StatusCallback);
    void track(
      (async () => {
        await sleep(1);
        msg.status = 'delivered';
        if (cb) await post(acct.sid, cb, { AccountSid: acct.sid, MessageSid: msg.sid, SmsSid: msg.sid, MessageStatus: 'delivered', From: from, To: to });
      })(),
    );
    return c.json({ sid: msg.sid, account_sid: acct.sid, to, from, body: msg.body, status: msg.status, direction: msg.direction, date_created: rfc2822(msg.createdAt), uri: `/2010-04-01/Accounts/${acct.sid}/Messages/${msg.sid}.json` }, 201);
  });

  // —— inspection and control ——
  app.get('/sim/healthz', (c) => c.json({ ok: true }));
  app.get('/sim/calls', (c) => {
    const { to, from } = c.req.query();
    const list = [...calls.values()].filter((x) => (!to || x.to === to) && (!from || x.from === from));
    return c.json({ calls: list.map(({ params: _p, ...rest }) => rest) });
  });
  app.get('/sim/messages', (c) => c.json({ messages }));
  app.get('/sim/lines', (c) => c.json({ profiles: Object.fromEntries(profiles) }));
  app.post('/sim/lines/:from/profile', async (c) => {
    const from = c.req.param('from');
    const body = (await c.req.json().catch(() => null)) as Partial<LineProfile> | null;
    if (!body || typeof body !== 'object') return c.json({ error: 'expected a JSON profile' }, 400);
    const next = { ...profileOf(from), ...body };
    profiles.set(from, next);
    return c.json(next);
  });
  app.post('/sim/config', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { timeScale?: number };
    if (typeof body.timeScale === 'number' && body.timeScale > 0) timeScale = body.timeScale;
    return c.json({ timeScale });
  });
  app.post('/sim/sms/inbound', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { from?: string; to?: string; body?: string } | null;
    if (!body?.from || !body.to || typeof body.body !== 'string') return c.json({ error: 'expected {from, to, body}' }, 400);
    const owner = numberOwner.get(body.to) ?? [...accounts.keys()][0]!;
    if (isStopWord(body.body)) blocked.add(`${body.to}|${body.from}`);
    if (isStartWord(body.body)) blocked.delete(`${body.to}|${body.from}`);
    const msg: SimMessage = { sid: sidOf('SM'), accountSid: owner, direction: 'inbound', from: body.from, to: body.to, body: body.body, status: 'received', createdAt: Date.now() };
    messages.push(msg);
    let delivered: number | null = null;
    if (opts.inboundSmsUrl) {
      const res = await post(owner, opts.inboundSmsUrl, { AccountSid: owner, MessageSid: msg.sid, SmsSid: msg.sid, From: body.from, To: body.to, Body: body.body, NumMedia: '0' });
      delivered = res?.status ?? null;
    }
    return c.json({ sid: msg.sid, webhookStatus: delivered });
  });
  app.post('/sim/reset', (c) => {
    calls.clear();
    messages.length = 0;
    profiles.clear();
    blocked.clear();
    recent.clear();
    return c.json({ ok: true });
  });

  return {
    app,
    calls,
    messages,
    setProfile: (from: string, p: Partial<LineProfile>) => profiles.set(from, { ...profileOf(from), ...p }),
    /** Waits for in-flight call scripts and callbacks (tests use it before asserting). */
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    close() {
      closed = true;
    },
  };
}

export type Sim = ReturnType<typeof createSim>;
