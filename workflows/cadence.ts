/**
 * One durable cadence per contact. It reads like DESIGN.md's flow: plan the next allowed attempt,
 * sleep until then (waking on any signal), reserve through the compliance gate, dial or text, wait
 * for the outcome, decide. All decisions live in domain/; this file only sequences them.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RedialActivities } from './contracts';
import { CarrierFailure, dialActivityId } from './constants';
import {
  optOutSignal,
  cancelSignal,
  eventSignal,
  outcomeSignal,
  pauseSignal,
  profileSignal,
  resumeSignal,
  scriptTextSignal,
  smsReplySignal,
  stateQuery,
  stateUpdate,
  type AttemptOutcome,
  type CadenceView,
} from './messages';
import * as cs from '../domain/cadence-state';
import { localDate } from '../domain/local-time';
import { CADENCE_STATUS, CAMPAIGN, INDUSTRY, NEXT_ATTEMPT_AT } from './search-attributes';

export interface CadenceInput {
  state: cs.CadenceState;
  /** Off where the server has no Redial search attributes registered (e.g. the time-skipping test server). */
  searchAttributes?: boolean;
}

/**
 * The gate is a short database transaction, idempotent by (workflow, seq): it runs as a local
 * activity, in the worker that holds the workflow, which saves two server round trips per
 * attempt (event → dial latency), and retries freely.
 */
const gate = proxyLocalActivities<RedialActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * Carrier requests: a few quick retries only. placeCall reconciles by the reservation row before
 * creating, so a retry never creates a second call for one reservation.
 */
const carrier = proxyActivities<RedialActivities>({
  // includes waiting for the line's pacing slot when a burst queues up behind its CPS
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [CarrierFailure.invalidNumber, CarrierFailure.unsubscribed],
  },
});

/** How long a placed call may take to report its end before we ask the carrier ourselves. */
const OUTCOME_TIMEOUT_MS = 15 * 60_000;

/**
 * A call and its outcome in one activity (DialingActivities.dial): the status callback completes
 * it by id, so a dial costs no outcome signal and no workflow task for it (issue 18). A worker
 * that dies before the call is placed is noticed by the heartbeat timeout, as placeCall's 2
 * minutes did; a call that talks longer than that is re-attached by the retry (never re-dialled:
 * placeCall finds the reservation's call). After OUTCOME_TIMEOUT_MS the carrier is asked.
 */
const dialer = (attemptId: string) =>
  proxyActivities<RedialActivities>({
    activityId: dialActivityId(attemptId),
    startToCloseTimeout: OUTCOME_TIMEOUT_MS,
    scheduleToCloseTimeout: OUTCOME_TIMEOUT_MS + 2 * 60_000,
    heartbeatTimeout: '2 minutes',
    retry: {
      initialInterval: '2 seconds',
      nonRetryableErrorTypes: [CarrierFailure.invalidNumber, CarrierFailure.unsubscribed],
    },
  });

/** Cadences wait for a call's outcome in its dial activity, not for a signal. Histories from before replay as they ran. */
const DIAL_COMPLETED_BY_CALLBACK = 'dial-completed-by-callback';

/** The next attempt's time is published when the cadence sleeps, not when it is due. Histories from before replay as they ran. */
const PUBLISH_SLEEPS_ONLY = 'publish-sleeps-only';

/**
 * Cadences plan under the per-person daily ceiling (domain/daily-cap.ts). Histories from before
 * it planned under each strategy's own cap alone, and replay as they ran.
 */
const PLAN_UNDER_CEILING = 'plan-under-daily-ceiling';

/**
 * Reservations are keyed by the execution chain too: a cadence that finished and is started again
 * by a new event counts its attempts from 0, and must not find the last run's attempts under the
 * same keys. Histories from before replay with the old key.
 */
const RESERVE_PER_CHAIN = 'reservation-key-per-execution-chain';

/**
 * A first contact that cannot happen before its deadline is recorded (and, by strategy, handed to
 * a person). Histories from before replay without it.
 */
const DEADLINE_CONSEQUENCES = 'deadline-consequences';

/** Recording a missed deadline: a short database write, retried until it lands. */
const records = proxyActivities<RedialActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** An idle cadence (nothing scheduled) stays around this long for new events, then completes. */
const IDLE_TIMEOUT_MS = 24 * 3600_000;

export async function cadence(input: CadenceInput): Promise<cs.CadenceState> {
  const s = input.state;
  const { workflowId } = workflowInfo();
  let dirty = false;
  let plan: cs.Plan | null = null;
  const outcomes = new Map<string, AttemptOutcome>();
  const touch = () => (dirty = true);

  setHandler(eventSignal, (e) => {
    cs.applyEvent(s, e, Date.now());
    touch();
  });
  setHandler(outcomeSignal, (o) => {
    outcomes.set(o.attemptId, o);
    touch();
  });
  setHandler(optOutSignal, () => {
    cs.optOut(s);
    touch();
  });
  setHandler(pauseSignal, () => {
    cs.pause(s);
    touch();
  });
  setHandler(resumeSignal, () => {
    cs.resume(s);
    touch();
  });
  setHandler(cancelSignal, ({ campaignId }) => {
    cs.cancel(s, campaignId);
    touch();
  });
  setHandler(smsReplySignal, ({ campaignId, at }) => {
    if (cs.applyReply(s, campaignId, at)) touch();
  });
  setHandler(scriptTextSignal, (t) => {
    if (cs.applyScriptText(s, t)) touch();
  });
  setHandler(profileSignal, (p) => {
    cs.applyProfile(s, p);
    touch();
  });
  const view = (): CadenceView => viewOf(s, workflowId, plan);
  setHandler(stateQuery, view);
  setHandler(stateUpdate, view);

  // what the cadence was started (or continued) with: the API names status, campaign and industry
  // at signal-with-start (services/cadences.ts), so a new cadence does not write them again
  const started = workflowInfo().typedSearchAttributes;
  let publishedAt: number | null = started.get(NEXT_ATTEMPT_AT)?.getTime() ?? null;
  const keyOf = (status: string | null, at: number | null, industry: string | null, campaigns: string[]) => JSON.stringify([status, at, industry, campaigns]);
  let published = keyOf(started.get(CADENCE_STATUS) ?? null, publishedAt, started.get(INDUSTRY) ?? null, started.get(CAMPAIGN) ?? []);
  const publish = (now: number) => {
    if (input.searchAttributes === false) return;
    // a plan due now is carried out at once: its time would be stale before anyone read it, so it
    // costs no search-attribute write (one visibility write less per dial); a sleep is published
    const at = !plan ? null : plan.at > now || !patched(PUBLISH_SLEEPS_ONLY) ? plan.at : publishedAt;
    const key = keyOf(s.status, at, s.industry ?? null, campaignsOf(s));
    if (key === published) return;
    published = key;
    publishedAt = at;
    upsertSearchAttributes([
      { key: CADENCE_STATUS, value: s.status },
      { key: NEXT_ATTEMPT_AT, value: at === null ? null : new Date(at) },
      { key: CAMPAIGN, value: campaignsOf(s) },
      { key: INDUSTRY, value: s.industry },
    ]);
  };

  while (!cs.isFinished(s)) {
    dirty = false;
    const now = Date.now();
    const ceiling = patched(PLAN_UNDER_CEILING) ? cs.dailyCeilingOf(s) : Number.POSITIVE_INFINITY;
    const misses = s.status === 'active' && patched(DEADLINE_CONSEQUENCES) ? cs.noteMissedDeadlines(s, now, ceiling) : [];
    plan = cs.planNext(s, now, Math.random(), ceiling);
    publish(now);
    if (misses.length) {
      // a lead handed to a person is no longer planned; the others are, and the state shows it meanwhile
      await records.recordDeadlineMisses({ tenant: s.tenant, workflowId, contactId: s.contactId, misses });
      continue;
    }
    if (!plan) {
      // idle: wait for news a day, then finish (the next event starts a new run); paused: wait for resume
      if (s.status === 'idle') {
        if (!(await condition(() => dirty, IDLE_TIMEOUT_MS))) break;
      } else await condition(() => dirty);
      continue;
    }
    if (plan.at > now) {
      await condition(() => dirty, plan.at - now);
      continue; // re-plan: a signal may have changed everything, and a timer only means "look again"
    }
    await attempt(plan);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof cadence>({ ...input, state: s });
    }
  }
  plan = null;
  publish(Date.now());
  await condition(allHandlersFinished);
  return s;

  async function attempt(p: cs.Plan) {
    const f = s.followUps.find((x) => x.id === p.followUpId)!;
    const res = await gate.reserveAttempt({
      workflowId,
      chain: patched(RESERVE_PER_CHAIN) ? workflowInfo().firstExecutionRunId : undefined,
      seq: s.seq,
      tenant: s.tenant,
      contactId: s.contactId,
      phone: s.phone,
      timeZone: s.timeZone,
      followUpId: f.id,
      campaignId: f.campaignId,
      channel: p.channel,
      attemptsSoFar: f.attempts,
      ...(f.text !== undefined ? { scripted: true } : {}),
    });
    if (!res.granted) {
      cs.applyRefusal(s, { followUpId: f.id, channel: p.channel, ...res });
      return;
    }
    cs.applyGranted(s, f.id, p.channel, res.at, res.strategy, res.strategyVersion, res.ceiling);
    let outcome: { outcome: cs.Outcome; callbackAt?: number } | null;
    try {
      if (p.channel === 'sms') {
        await carrier.sendSms({ attemptId: res.attemptId, ...(f.text !== undefined ? { text: f.text } : {}) });
        outcome = { outcome: 'sms-sent' };
      } else if (patched(DIAL_COMPLETED_BY_CALLBACK)) {
        outcome = await dialAndAwait(res.attemptId);
      } else {
        await carrier.placeCall({ attemptId: res.attemptId });
        outcome = await awaitOutcome(res.attemptId);
      }
    } catch (err) {
      outcome = { outcome: classifyFailure(err, p.channel) };
    }
    if (outcome) cs.applyOutcome(s, f.id, p.channel, outcome.outcome, Date.now(), outcome.callbackAt);
  }

  /**
   * The call and its outcome in one activity; null when the cadence ended while it rang (the call
   * is hung up). A dial that timed out waiting asks the carrier, as awaitOutcome does.
   */
  async function dialAndAwait(attemptId: string): Promise<{ outcome: cs.Outcome; callbackAt?: number } | null> {
    const scope = new CancellationScope();
    let settled = false;
    const dialled = scope.run(() => dialer(attemptId).dial({ attemptId })).then(
      (r) => ({ ok: true as const, r }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    void dialled.finally(() => (settled = true));
    await condition(() => settled || cs.isFinished(s));
    outcomes.delete(attemptId); // a callback that found the dial between tries also signalled
    if (!settled) {
      // opted out (by SMS or an operator) or cancelled while the call is up: stop calling now
      scope.cancel();
      await carrier.cancelCall({ attemptId }).catch(() => undefined);
      return null;
    }
    const d = await dialled;
    if (d.ok) return d.r;
    const cause = d.err instanceof ActivityFailure ? d.err.cause : d.err;
    if (cause instanceof TimeoutFailure) {
      return reconciled(attemptId);
    }
    throw d.err;
  }

  /** The call's outcome (with the time a callback was asked for); null when the cadence ended while it rang (the call is hung up). */
  async function awaitOutcome(attemptId: string): Promise<{ outcome: cs.Outcome; callbackAt?: number } | null> {
    const arrived = await condition(() => outcomes.has(attemptId) || cs.isFinished(s), OUTCOME_TIMEOUT_MS);
    const o = outcomes.get(attemptId);
    outcomes.delete(attemptId);
    if (o) return o;
    if (arrived) {
      // opted out (by SMS or an operator) or cancelled while the call is up: stop calling now
      await carrier.cancelCall({ attemptId }).catch(() => undefined);
      return null;
    }
    return reconciled(attemptId);
  }

  /** For a call whose outcome never arrived: what the carrier says (a carrier failure when it says nothing final). */
  async function reconciled(attemptId: string): Promise<{ outcome: cs.Outcome; callbackAt?: number }> {
    const rec = await carrier.reconcileAttempt({ attemptId });
    return { outcome: rec.outcome ?? 'carrier-failure', ...(rec.callbackAt !== undefined ? { callbackAt: rec.callbackAt } : {}) };
  }
}

function classifyFailure(err: unknown, channel: cs.Channel): cs.Outcome {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    if (cause.type === CarrierFailure.invalidNumber) return 'invalid';
    if (cause.type === CarrierFailure.unsubscribed) return 'opted-out';
    // nothing reached the carrier: like a carrier failure, the attempt and its place in the day's
    // budget are given back, and the gate is asked again (it waits for the window to open)
    if (cause.type === CarrierFailure.windowClosed) return 'carrier-failure';
  }
  return channel === 'sms' ? 'sms-failed' : 'carrier-failure';
}

function campaignsOf(s: cs.CadenceState): string[] {
  return [...new Set(cs.activeFollowUps(s).map((f) => f.campaignId))];
}

function iso(t: number | null | undefined): string | null {
  return t === null || t === undefined ? null : new Date(t).toISOString();
}

export function viewOf(s: cs.CadenceState, workflowId: string, plan: cs.Plan | null): CadenceView {
  const today = localDate(Date.now(), s.timeZone);
  return {
    workflowId,
    status: s.status,
    nextAttemptAt: iso(plan?.at),
    nextAttemptReason: plan ? (plan.waitedFor.length ? `waiting for ${plan.waitedFor.join(', ')} to end` : 'due') : null,
    nextChannel: plan?.channel ?? null,
    attemptsToday: s.callsByDay[today] ?? 0,
    attemptsTotal: s.followUps.reduce((n, f) => n + f.attempts, 0),
    optedOut: s.status === 'opted-out',
    followUps: s.followUps.map((f) => ({
      id: f.id,
      campaignId: f.campaignId,
      trigger: f.trigger,
      status: f.status,
      endReason: f.endReason ?? null,
      attempts: f.attempts,
      strategyVersion: f.strategyVersion,
      deadlineAt: iso(f.deadlineAt),
      firstAttemptAt: iso(f.firstAttemptAt),
      deadlineMissed: f.deadlineMissed ? { at: iso(f.deadlineMissed.at)!, reason: f.deadlineMissed.reason } : null,
    })),
    lastRefusals: s.lastRefusals.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
  };
}
