/** The simulator's own /sim/* routes: tests and scripts inspect what it carried, set line faults, change the clock and send inbound SMS. */
import type { Hono } from 'hono';
import { isStartWord, isStopWord } from './outcomes';
import { profileOf, type CalleeTurn, type LineProfile, type SimMessage, type SimOptions, type SimState } from './state';
import { post } from './webhooks';
import { one, sidOf } from './wire';

export function registerControlRoutes(app: Hono, state: SimState, opts: SimOptions) {
  app.get('/sim/healthz', (c) => c.json({ ok: true }));
  app.get('/sim/calls', (c) => {
    const { to, from } = c.req.query();
    const list = [...state.calls.values()].filter((x) => (!to || x.to === to) && (!from || x.from === from));
    // the status callback URL is what ties a carrier call to the customer's own record of it
    return c.json({ calls: list.map(({ params, ...rest }) => ({ ...rest, statusCallback: one(params.StatusCallback) ?? null })) });
  });
  app.get('/sim/messages', (c) => c.json({ messages: state.messages }));
  app.get('/sim/lines', (c) => c.json({ profiles: Object.fromEntries(state.profiles) }));
  app.post('/sim/lines/:from/profile', async (c) => {
    const from = c.req.param('from');
    const body = (await c.req.json().catch(() => null)) as Partial<LineProfile> | null;
    if (!body || typeof body !== 'object') return c.json({ error: 'expected a JSON profile' }, 400);
    const next = { ...profileOf(state, from), ...body };
    state.profiles.set(from, next);
    return c.json(next);
  });
  app.post('/sim/config', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { timeScale?: number; webhookRetryWindowMs?: number; webhookTimeoutMs?: number };
    if (typeof body.timeScale === 'number' && body.timeScale > 0) state.timeScale = body.timeScale;
    if (typeof body.webhookRetryWindowMs === 'number' && body.webhookRetryWindowMs >= 0) state.webhookRetryWindowMs = body.webhookRetryWindowMs;
    if (typeof body.webhookTimeoutMs === 'number' && body.webhookTimeoutMs > 0) state.webhookTimeoutMs = body.webhookTimeoutMs;
    return c.json({ timeScale: state.timeScale, webhookRetryWindowMs: state.webhookRetryWindowMs, webhookTimeoutMs: state.webhookTimeoutMs });
  });
  // speaking callees: the turns a callee says (or presses) to the calls' <Gather>s, by number or number prefix ("+86138*"), or for one call
  app.get('/sim/callees', (c) => c.json({ callees: Object.fromEntries(state.callees) }));
  app.post('/sim/callees', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { number?: unknown; turns?: unknown } | null;
    const turns = calleeTurns(body?.turns);
    if (typeof body?.number !== 'string' || !body.number || !turns) return c.json({ error: 'expected {number, turns: ["what it says", {"say","confidence"}, {"press"}, {"silence": true}]}' }, 400);
    state.callees.set(body.number, turns);
    return c.json({ number: body.number, turns });
  });
  app.delete('/sim/callees/:number', (c) => c.json({ deleted: state.callees.delete(c.req.param('number')) }));
  app.post('/sim/calls/:sid/callee', async (c) => {
    const call = state.calls.get(c.req.param('sid'));
    if (!call) return c.json({ error: 'no such call' }, 404);
    const turns = calleeTurns(((await c.req.json().catch(() => null)) as { turns?: unknown } | null)?.turns);
    if (!turns) return c.json({ error: 'expected {turns: [...]}' }, 400);
    call.script = turns;
    return c.json({ sid: call.sid, turns });
  });
  app.post('/sim/sms/inbound', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { from?: string; to?: string; body?: string } | null;
    if (!body?.from || !body.to || typeof body.body !== 'string') return c.json({ error: 'expected {from, to, body}' }, 400);
    const owner = state.numberOwner.get(body.to) ?? [...state.accounts.keys()][0]!;
    if (isStopWord(body.body)) state.blocked.add(`${body.to}|${body.from}`);
    if (isStartWord(body.body)) state.blocked.delete(`${body.to}|${body.from}`);
    const msg: SimMessage = { sid: sidOf('SM'), accountSid: owner, direction: 'inbound', from: body.from, to: body.to, body: body.body, status: 'received', createdAt: Date.now() };
    state.messages.push(msg);
    let delivered: number | null = null;
    if (opts.inboundSmsUrl) {
      const res = await post(state, owner, opts.inboundSmsUrl, { AccountSid: owner, MessageSid: msg.sid, SmsSid: msg.sid, From: body.from, To: body.to, Body: body.body, NumMedia: '0' });
      delivered = res?.status ?? null;
    }
    return c.json({ sid: msg.sid, webhookStatus: delivered });
  });
  app.post('/sim/reset', (c) => {
    state.calls.clear();
    state.messages.length = 0;
    state.profiles.clear();
    state.blocked.clear();
    state.recent.clear();
    state.callees.clear();
    state.recordings.clear();
    return c.json({ ok: true });
  });
}

/** Turns as a test writes them: a string is something said; objects say (with a confidence), press keys or stay silent. */
function calleeTurns(raw: unknown): CalleeTurn[] | null {
  if (!Array.isArray(raw)) return null;
  const turns: CalleeTurn[] = [];
  for (const t of raw as unknown[]) {
    const o = (typeof t === 'string' ? { say: t } : t) as Record<string, unknown> | null;
    if (typeof o?.say === 'string') turns.push(typeof o.confidence === 'number' ? { say: o.say, confidence: o.confidence } : { say: o.say });
    else if (typeof o?.press === 'string' && /^[0-9*#w]+$/.test(o.press)) turns.push({ press: o.press });
    else if (o?.silence === true) turns.push({ silence: true });
    else return null;
  }
  return turns;
}
