/** First-contact deadlines missed (deadline_misses): recorded once per follow-up, counted for reports and alerts. */
import { and, desc, eq, gte, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { alerts, deadlineMisses } from '../schema';

export type DeadlineMissRow = typeof deadlineMisses.$inferSelect;

/** Records misses; a retried activity records each follow-up's once. Returns the campaigns with a new row. */
export async function insertDeadlineMisses(db: Tx, rows: Array<typeof deadlineMisses.$inferInsert>): Promise<string[]> {
  if (!rows.length) return [];
  const inserted = await db.insert(deadlineMisses).values(rows).onConflictDoNothing().returning({ campaignId: deadlineMisses.campaignId });
  return [...new Set(inserted.map((r) => r.campaignId))];
}

export async function missesSince(db: Tx, campaignId: string, since: Date): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(deadlineMisses)
    .where(and(eq(deadlineMisses.campaignId, campaignId), gte(deadlineMisses.createdAt, since)));
  return r?.n ?? 0;
}

/** Whether a deadline alert for this campaign was raised since `since` (one per window, not one per miss). */
export async function deadlineAlertSince(db: Tx, campaignId: string, since: Date): Promise<boolean> {
  const [r] = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(eq(alerts.kind, 'deadline-misses'), sql`${alerts.detail}->>'campaignId' = ${campaignId}`, gte(alerts.createdAt, since)))
    .limit(1);
  return !!r;
}

/** Hand-offs: missed leads given to a person, open ones first, newest first. */
export async function listHandoffs(db: Tx, tenant: string, opts: { open: boolean; limit: number }) {
  return db
    .select()
    .from(deadlineMisses)
    .where(and(eq(deadlineMisses.tenant, tenant), eq(deadlineMisses.action, 'handed-off'), opts.open ? isNull(deadlineMisses.handledAt) : undefined))
    .orderBy(desc(deadlineMisses.createdAt))
    .limit(opts.limit);
}

/** Marks a hand-off taken care of; null when there is no such open hand-off. */
export async function markHandoffHandled(db: Tx, tenant: string, id: number, by: string) {
  const [row] = await db
    .update(deadlineMisses)
    .set({ handledAt: new Date(), handledBy: by })
    .where(and(eq(deadlineMisses.tenant, tenant), eq(deadlineMisses.id, id), eq(deadlineMisses.action, 'handed-off'), isNull(deadlineMisses.handledAt)))
    .returning();
  return row ?? null;
}

/**
 * Whether this transaction may judge the campaign's deadline alert (one judge at a time, so two
 * misses recorded together cannot both raise it). Never waits: a burst of misses at night must
 * not queue every worker connection behind one lock; the judge that holds it sees their rows.
 */
export async function claimDeadlineAlertTurn(tx: Tx, campaignId: string): Promise<boolean> {
  const rows = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(hashtext(${`deadline-alert:${campaignId}`})) as ok`);
  return !!rows[0]?.ok;
}
