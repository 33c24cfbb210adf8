/**
 * A Twilio-compatible carrier simulator: the REST subset Redial uses, TwiML execution, signed
 * status callbacks and inbound SMS, per-line fault profiles and a compressed clock. The real
 * `twilio` package talks to it over HTTP; tests inspect it under /sim/.
 */
import { Hono } from 'hono';
import { registerControlRoutes } from './control';
import { createState, profileOf, type LineProfile, type SimOptions } from './state';
import { registerTwilioApi } from './twilio-api';

export type { LineProfile, SimAccount, SimCall, SimCallEvent, SimMessage, SimOptions } from './state';

export function createSim(opts: SimOptions) {
  const state = createState(opts);
  const app = new Hono();
  registerTwilioApi(app, state);
  registerControlRoutes(app, state, opts);

  return {
    app,
    calls: state.calls,
    messages: state.messages,
    recordings: state.recordings,
    setProfile: (from: string, p: Partial<LineProfile>) => state.profiles.set(from, { ...profileOf(state, from), ...p }),
    /** Waits for in-flight call scripts and callbacks (tests use it before asserting). */
    async idle() {
      while (state.pending.size) await Promise.allSettled([...state.pending]);
    },
    close() {
      state.closed = true;
    },
  };
}

export type Sim = ReturnType<typeof createSim>;
