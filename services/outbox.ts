/**
 * Outbound integrations through an outbox (today the ops webhook; a CRM hand-off would be another
 * target): a delivery is a row first, then a POST. Drainers take turns (an advisory lock), so rows
 * go out one at a time in id order whichever process drains; a failure is retried with backoff at
 * the head of the queue (nothing overtakes it) and given up after MAX_ATTEMPTS, its error kept. A
 * lockdown stops every drainer: rows wait, durably, and go out in order after the release.
 */
import type { Db } from '../db/client';
import { lockdownInForce } from '../db/queries/lockdown';
import { enqueue, headOfQueue, listenOutbox, markAttemptFailed, markDelivered, noteHeld, takeDrainTurn } from '../db/queries/outbox';
import { redactPhones } from '../domain/phone';
import { startWokenLoop, type WokenLoop } from './woken-loop';

export interface OutboxDeps {
  db: Db;
  log: (msg: string, err?: unknown) => void;
}

/** Tries per delivery before it is given up (about half an hour of backoff). */
export const MAX_ATTEMPTS = 12;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 5 * 60_000;
/** One POST may take this long; the drain turn is held meanwhile. */
const DELIVERY_TIMEOUT_MS = 5000;

export const HELD_NOTE = 'held: a lockdown is in force; delivered in order after its release';

export type DrainResult = { delivered: number; gaveUp: number; stopped: 'empty' | 'held' | 'waiting' };

/** Queues an alert for the ops webhook and drains at once unless a lockdown holds it. */
export async function sendOpsAlert(deps: OutboxDeps, input: { url: string; alertId: number; payload: Record<string, unknown> }): Promise<DrainResult> {
  await enqueue(deps.db, { target: 'ops-webhook', url: input.url, payload: input.payload, alertId: input.alertId });
  const r = await drainOutbox(deps);
  if (r.stopped === 'held') await noteHeld(deps.db, input.alertId, HELD_NOTE);
  return r;
}

/** Delivers due rows in order until the queue is empty, a lockdown holds it, or its head waits for a retry. */
export async function drainOutbox(deps: OutboxDeps): Promise<DrainResult> {
  let delivered = 0;
  let gaveUp = 0;
  for (;;) {
    const step = await deps.db.transaction(async (tx) => {
      await takeDrainTurn(tx);
      if (await lockdownInForce(tx)) return 'held' as const;
      const row = await headOfQueue(tx);
      if (!row) return 'empty' as const;
      if (row.nextAttemptAt.getTime() > Date.now()) return 'waiting' as const;
      try {
        const res = await fetch(row.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(row.payload),
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) throw new Error(`webhook answered ${res.status}`);
        await markDelivered(tx, row, new Date());
        return 'delivered' as const;
      } catch (err) {
        const error = redactPhones((err as Error).message).slice(0, 500);
        const tries = row.attempts + 1;
        const retryAt = tries >= MAX_ATTEMPTS ? null : new Date(Date.now() + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (tries - 1)));
        await markAttemptFailed(tx, row, error, retryAt);
        deps.log(`outbox: delivery #${row.id} (${row.target}) failed${retryAt ? `, retried at ${retryAt.toISOString()}` : `, given up after ${tries} tries`}: ${error}`);
        return retryAt ? ('waiting' as const) : ('gave-up' as const);
      }
    });
    if (step === 'delivered') delivered++;
    else if (step === 'gave-up') gaveUp++;
    else return { delivered, gaveUp, stopped: step };
  }
}

export type OutboxDispatcher = WokenLoop;

/**
 * Drains the outbox when woken (an enqueue, a release: NOTIFY) and on a poll (retries that fall
 * due, a NOTIFY missed). Every API process runs one; they take turns.
 */
export async function startOutboxDispatcher(deps: OutboxDeps, options: { pollMs?: number } = {}): Promise<OutboxDispatcher> {
  let failing = false;
  return startWokenLoop({
    listen: (wake) =>
      listenOutbox(deps.db, wake).catch((err: unknown) => {
        deps.log('outbox: LISTEN failed; draining on the poll only', err);
        return null;
      }),
    pollMs: options.pollMs ?? 5000,
    async round() {
      try {
        await drainOutbox(deps);
        failing = false;
      } catch (err) {
        if (!failing) deps.log('outbox: a drain failed (PostgreSQL unreachable?); retrying on the poll', err);
        failing = true;
      }
      return false;
    },
  });
}
