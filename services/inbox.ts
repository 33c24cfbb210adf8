/**
 * The inbox dispatcher: delivers accepted events (inbox_events) to their cadences with
 * signal-with-start, oldest first and never a contact's later event before an earlier one, even
 * with several dispatchers (claims are row locks taken with SKIP LOCKED). Woken at once by the
 * NOTIFY of each accepted event, and by a poll for retries that fall due. Temporal being down
 * only delays delivery: the event stays queued and is tried again with backoff.
 */
import { isGrpcServiceError } from '@temporalio/client';
import type { Db } from '../db/client';
import { claimDueEvents, listenInbox, markDelivered, markFailed, markRetry, type ClaimedEvent } from '../db/queries/inbox';
import { recordInterfaceError } from '../db/queries/operations';
import { redactPhones } from '../domain/phone';
import { deliverEvent, type CadenceHost } from './cadences';
import { inboxDelivery } from './metrics';
import { startWokenLoop, type WokenLoop } from './woken-loop';

export interface InboxDeps extends CadenceHost {
  db: Db;
  log: (msg: string, err?: unknown) => void;
}

export interface InboxOptions {
  /** Events claimed per round (one per contact), delivered in parallel. */
  batchSize?: number;
  /** The fallback poll: retries that fall due, and a NOTIFY missed while the listener reconnected. */
  pollMs?: number;
  /** After a NOTIFY wakes an idle dispatcher, events arriving this soon after join the same round (fewer, fuller rounds under load). */
  gatherMs?: number;
  /** How long one signal-with-start may take before it counts as a transient failure. */
  deliveryDeadlineMs?: number;
  /** Backoff after a transient failure: first retry, doubled per attempt, capped (recovery stays quick). */
  retryFirstMs?: number;
  retryMaxMs?: number;
}

const defaults: Required<InboxOptions> = { batchSize: 64, pollMs: 1000, gatherMs: 10, deliveryDeadlineMs: 5000, retryFirstMs: 500, retryMaxMs: 10_000 };

/** `stop` finishes the round in flight: its claims are committed or rolled back. */
export type InboxDispatcher = WokenLoop;

type Outcome = { seq: number; kind: 'delivered' } | { seq: number; kind: 'retry' | 'failed'; error: string };

export interface RoundResult {
  claimed: number;
  delivered: number;
  failed: number;
  retried: number;
  /** The first transient error of the round (phone numbers masked). */
  retryError?: string;
}

/** Starts a dispatcher over the database of `deps.db`; several may run against one database. */
export async function startInboxDispatcher(deps: InboxDeps, options: InboxOptions = {}): Promise<InboxDispatcher> {
  const opts = { ...defaults, ...options };
  let failing = false;
  let temporalFailing = false;
  return startWokenLoop({
    // postgres.js re-listens by itself after a lost connection and calls onlisten again: catch up then
    listen: (wake) =>
      listenInbox(deps.db, wake).catch((err: unknown) => {
        deps.log('inbox: LISTEN failed; delivering on the poll only', err);
        return null;
      }),
    pollMs: opts.pollMs,
    gatherMs: opts.gatherMs,
    async round() {
      try {
        const r = await dispatchRound(deps, opts);
        if (failing) deps.log('inbox: the database answers again');
        failing = false;
        // one line when deliveries start failing and one when they pass again, not one per event
        if (r.retryError && !r.delivered && !temporalFailing) deps.log(`inbox: delivery to Temporal failing, events stay queued and are retried: ${r.retryError}`);
        if (r.retryError && !r.delivered) temporalFailing = true;
        if (r.delivered && temporalFailing) {
          deps.log('inbox: delivery to Temporal works again');
          temporalFailing = false;
        }
        // a delivered event may have made its contact's next one eligible; a full batch leaves more behind
        return r.delivered + r.failed > 0 || r.claimed === opts.batchSize;
      } catch (err) {
        if (!failing) deps.log('inbox: a round failed (PostgreSQL unreachable?); retrying on the poll', err);
        failing = true;
        return false;
      }
    },
  });
}

/**
 * One round: claim due events (one per contact) in a transaction, deliver them in parallel, and
 * record each outcome before the locks are released.
 */
export async function dispatchRound(deps: InboxDeps, options: InboxOptions = {}): Promise<RoundResult> {
  const opts = { ...defaults, ...options };
  // acceptance → delivery of each event delivered, observed once the round committed
  let waited: number[] = [];
  const result = await deps.db.transaction(async (tx) => {
    waited = [];
    const claimed = await claimDueEvents(tx, opts.batchSize);
    if (!claimed.length) return { claimed: 0, delivered: 0, failed: 0, retried: 0 };
    const outcomes = await Promise.all(claimed.map((c) => deliver(deps, c, opts.deliveryDeadlineMs)));
    const at = new Date();
    const delivered = outcomes.filter((o) => o.kind === 'delivered').map((o) => o.seq);
    await markDelivered(tx, delivered, at);
    waited = claimed.filter((c) => delivered.includes(c.event.seq)).map((c) => (at.getTime() - c.event.createdAt.getTime()) / 1000);
    for (const o of outcomes) {
      if (o.kind === 'failed') await markFailed(tx, o.seq, o.error, at);
      if (o.kind === 'retry') {
        const attempts = claimed.find((c) => c.event.seq === o.seq)!.event.attempts + 1;
        await markRetry(tx, o.seq, o.error, at, new Date(at.getTime() + backoffMs(attempts, opts)));
        // the CRM interface incident counts events that cannot reach their cadence
        await recordInterfaceError(tx, 'crm', `inbox event #${o.seq}: ${o.error}`);
      }
    }
    const count = (k: Outcome['kind']) => outcomes.filter((o) => o.kind === k).length;
    const retryError = outcomes.find((o) => o.kind === 'retry');
    return { claimed: claimed.length, delivered: count('delivered'), failed: count('failed'), retried: count('retry'), ...(retryError?.kind === 'retry' ? { retryError: retryError.error } : {}) };
  });
  for (const s of waited) inboxDelivery.observe(Math.max(0, s));
  return result;
}

async function deliver(deps: InboxDeps, { event, contact, campaignStatus }: ClaimedEvent, deadlineMs: number): Promise<Outcome> {
  const seq = event.seq;
  if (campaignStatus === null) return { seq, kind: 'failed', error: `campaign "${event.campaignId}" no longer exists` };
  if (campaignStatus === 'cancelled') return { seq, kind: 'failed', error: `campaign "${event.campaignId}" was cancelled before the event reached its cadence` };
  try {
    await deps.temporal.connection.withDeadline(Date.now() + deadlineMs, () => deliverEvent(deps, contact, event.payload));
    return { seq, kind: 'delivered' };
  } catch (err) {
    return { seq, kind: isPermanent(err) ? 'failed' : 'retry', error: describe(err) };
  }
}

/** Temporal refused the request itself (it would refuse it again); anything else may pass later. */
const PERMANENT = new Set<number>([3 /* gRPC INVALID_ARGUMENT: e.g. a payload over the size limit */]);

function isPermanent(err: unknown): boolean {
  for (let e = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) {
    if (isGrpcServiceError(e)) return PERMANENT.has(e.code);
  }
  return false;
}

/** The error and its causes on one line, phone numbers masked (a cadence id holds one). */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, i = 0; e instanceof Error && i < 5; e = e.cause, i++) parts.push(e.message.split('\n')[0]!);
  return redactPhones(parts.join(': ') || String(err));
}

function backoffMs(attempts: number, opts: Required<InboxOptions>): number {
  const base = Math.min(opts.retryMaxMs, opts.retryFirstMs * 2 ** (attempts - 1));
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}
