/**
 * What the simulator knows: its accounts, the calls and messages it has carried, each line's
 * fault profile, STOP blocks, and the work still in flight.
 */

export interface SimAccount {
  sid: string;
  token: string;
}

export interface LineProfile {
  /** Share of calls that fail in the network (SIP 503), 0..1. */
  failureRate: number;
  /**
   * Share of calls the callee's network does not put through (SIP 480 Temporarily Unavailable:
   * phone off, out of coverage, or the call intercepted as unwanted), 0..1. Not the carrier's fault.
   */
  unreachableRate: number;
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
  /**
   * REST requests from this line are held this long and then answered 504 without being
   * processed: a stalled front end (the client times out first when this exceeds its timeout).
   */
  apiHangMs: number;
  /** The call is created at once but the REST answer to the create is held this long (ms). */
  responseDelayMs: number;
  /** Share of call creates that are processed (the call goes out) but answered 500: the caller cannot know the call exists. */
  loseResponseRate: number;
  /** Status callbacks of this line's calls are posted this much later (ms); the call itself goes on. */
  callbackDelayMs: number;
  /** Share of texts from this line that fail before they are sent (status `failed`, ErrorCode 30008), 0..1. */
  smsFailureRate: number;
}

export interface SimOptions {
  accounts: SimAccount[];
  /** Real seconds per simulated second: 0.01 plays a 60 s call in 0.6 s. */
  timeScale?: number;
  /** Where inbound SMS are delivered (Redial's /twilio/sms/inbound). */
  inboundSmsUrl?: string;
  log?: (m: string) => void;
  /**
   * Like Twilio, a webhook answered 5xx, timed out or refused is retried with backoff for this
   * long (ms; default 60 s, enough to cover an API restart), each try with the same signature.
   */
  webhookRetryWindowMs?: number;
  /** How long one webhook request may take before it counts as timed out (ms; default 15 s, as Twilio). */
  webhookTimeoutMs?: number;
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
  /** When the network started dialling it (Twilio's start_time); null while queued. */
  dialledAt: number | null;
  /** When it was answered (the call's duration counts from here). */
  startedAt: number | null;
  endedAt: number | null;
  answeredBy: string | null;
  durationSec: number | null;
  sipResponseCode: number | null;
  /** Why the network failed it, when it did: cps (over the line's CPS), fault (failure rate) or unreachable (the callee's side). */
  refusedBy: 'cps' | 'fault' | 'unreachable' | null;
  digits: string[];
  speech: string[];
  /** A speaking callee's turns still to come (POST /sim/callees, /sim/calls/{sid}/callee); null = the default callee by number. */
  script: CalleeTurn[] | null;
  /** What the call's TwiML said (<Say> texts in order): a voicemail left on a machine shows here. */
  said: string[];
  /** Set by a Calls update (Status=canceled|completed): the call ends at its next step. */
  hangup: 'canceled' | 'completed' | null;
  events: SimCallEvent[];
  params: Record<string, string | string[]>;
}

/**
 * One turn of a speaking callee: what it says to a <Gather input="speech"> (posted as SpeechResult
 * with Confidence, default 0.9), or keys it presses to a <Gather> (Digits), or silence (nothing).
 */
export type CalleeTurn = { say: string; confidence?: number } | { press: string } | { silence: true };

/** A call's recording (sim/recordings.ts): its audio is served like Twilio's. */
export interface SimRecording {
  sid: string;
  accountSid: string;
  callSid: string;
  durationSec: number;
  startedAt: number;
  createdAt: number;
  audio: Buffer;
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
  /** Where its status callbacks go (outbound texts; null when none was given). */
  statusCallback?: string | null;
}

export interface SimState {
  log: (m: string) => void;
  /** Real seconds per simulated second; /sim/config may change it while calls run. */
  timeScale: number;
  webhookRetryWindowMs: number;
  webhookTimeoutMs: number;
  accounts: Map<string, SimAccount>;
  calls: Map<string, SimCall>;
  messages: SimMessage[];
  profiles: Map<string, LineProfile>;
  /** "ourNumber|theirNumber" pairs where the person texted STOP. */
  blocked: Set<string>;
  /** Recordings of calls created with Record=true (sim/recordings.ts), by RE sid. */
  recordings: Map<string, SimRecording>;
  /** Speaking callees by number ("+8613800138005") or number prefix ending in * ("+86138*"): the turns each new call to it plays. */
  callees: Map<string, CalleeTurn[]>;
  /** Which account owns a from number (learnt from outbound traffic). */
  numberOwner: Map<string, string>;
  /** Per from-number, creation times within the last second (CPS). */
  recent: Map<string, number[]>;
  pending: Set<Promise<unknown>>;
  closed: boolean;
}

export function createState(opts: SimOptions): SimState {
  return {
    log: opts.log ?? (() => {}),
    timeScale: opts.timeScale ?? 0.05,
    webhookRetryWindowMs: opts.webhookRetryWindowMs ?? 60_000,
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 15_000,
    accounts: new Map(opts.accounts.map((a) => [a.sid, a])),
    calls: new Map<string, SimCall>(),
    messages: [],
    profiles: new Map<string, LineProfile>(),
    blocked: new Set<string>(),
    callees: new Map<string, CalleeTurn[]>(),
    recordings: new Map<string, SimRecording>(),
    numberOwner: new Map<string, string>(),
    recent: new Map<string, number[]>(),
    pending: new Set<Promise<unknown>>(),
    closed: false,
  };
}

const defaultProfile = (): LineProfile => ({
  failureRate: 0,
  unreachableRate: 0,
  latencyMs: 0,
  cps: null,
  duplicateRate: 0,
  reorder: false,
  apiErrorRate: 0,
  apiHangMs: 0,
  responseDelayMs: 0,
  loseResponseRate: 0,
  callbackDelayMs: 0,
  smsFailureRate: 0,
});

export const profileOf = (state: SimState, from: string) => state.profiles.get(from) ?? defaultProfile();

export function overCps(state: SimState, from: string, now: number): boolean {
  const cps = profileOf(state, from).cps;
  const times = (state.recent.get(from) ?? []).filter((t) => now - t < 1000);
  times.push(now);
  state.recent.set(from, times);
  return cps !== null && times.length > cps;
}

/** Background work (call scripts, callbacks) is tracked so idle() can wait for it. */
export const track = <T>(state: SimState, p: Promise<T>) => {
  state.pending.add(p);
  void p.finally(() => state.pending.delete(p));
  return p;
};

/** The scripted turns for a new call to a number: an exact number first, then the longest matching prefix. */
export function calleeScriptFor(state: SimState, to: string): CalleeTurn[] | null {
  const exact = state.callees.get(to);
  if (exact) return [...exact];
  let best: string | null = null;
  for (const key of state.callees.keys()) if (key.endsWith('*') && to.startsWith(key.slice(0, -1)) && key.length > (best?.length ?? 0)) best = key;
  return best ? [...state.callees.get(best)!] : null;
}
