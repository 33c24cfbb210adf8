/** The outbox of outbound integrations (db/schema/lockdown.ts): enqueue, the head of the queue, outcomes. */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { alerts, outbox } from '../schema';

export type OutboxRow = typeof outbox.$inferSelect;

/** The NOTIFY channel that wakes the outbox's drainers (an enqueue, a lockdown's release). */
export const OUTBOX_CHANNEL = 'redial_outbox';

/** Any number, the same in every process: the drainers take turns on it, so deliveries stay in order. */
const DRAIN_LOCK = 0x7265_6469; // "redi"

export async function enqueue(db: Tx, d: { target: string; url: string; payload: unknown; alertId?: number }): Promise<number> {
  const [row] = await db.insert(outbox).values({ target: d.target, url: d.url, payload: d.payload, alertId: d.alertId ?? null }).returning({ id: outbox.id });
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return row!.id;
}

/** Serialises drainers for the rest of the transaction (released at commit or rollback). */
export async function takeDrainTurn(db: Tx): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${DRAIN_LOCK})`);
}

/** The oldest row not delivered and not given up: the only one that may go out next. */
export async function headOfQueue(db: Tx): Promise<OutboxRow | null> {
  const [row] = await db
    .select()
    .from(outbox)
    .where(and(isNull(outbox.deliveredAt), isNull(outbox.failedAt)))
    .orderBy(asc(outbox.id))
    .limit(1);
  return row ?? null;
}

export async function pendingCount(db: Tx): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(and(isNull(outbox.deliveredAt), isNull(outbox.failedAt)));
  return r?.n ?? 0;
}

export async function markDelivered(db: Tx, row: OutboxRow, at: Date) {
  await db.update(outbox).set({ deliveredAt: at, attempts: row.attempts + 1, lastError: null }).where(eq(outbox.id, row.id));
  if (row.alertId !== null) await db.update(alerts).set({ deliveredAt: at, deliveryError: null }).where(eq(alerts.id, row.alertId));
}

/** A failed try: retried at `retryAt`, or given up (dead letter) when it is null. */
export async function markAttemptFailed(db: Tx, row: OutboxRow, error: string, retryAt: Date | null) {
  const now = new Date();
  await db
    .update(outbox)
    .set({ attempts: row.attempts + 1, lastError: error, ...(retryAt ? { nextAttemptAt: retryAt } : { failedAt: now }) })
    .where(eq(outbox.id, row.id));
  if (row.alertId !== null) await db.update(alerts).set({ deliveryError: retryAt ? `${error} (retrying)` : error }).where(eq(alerts.id, row.alertId));
}

/** Marks an alert as waiting in the outbox (a lockdown holds it). */
export async function noteHeld(db: Tx, alertId: number, note: string) {
  await db.update(alerts).set({ deliveryError: note }).where(eq(alerts.id, alertId));
}

/** Listens for outbox wake-ups; postgres.js re-listens after a lost connection and calls `onWake` again. */
export function listenOutbox(db: Db, onWake: () => void) {
  return db.$client.listen(OUTBOX_CHANNEL, onWake, onWake);
}
