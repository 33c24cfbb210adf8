/** CRM endpoints and deliveries (db/schema/crm.ts): queue, claim for a workflow, record tries, list. */
import { and, asc, desc, eq, gte, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { crmDeliveries, crmDeliveryAttempts, crmEndpoints } from '../schema';
import type { BusinessOutcome, CrmDeliveryState, CrmMapping } from '../../domain/crm';

export type CrmEndpointRow = typeof crmEndpoints.$inferSelect;
export type CrmDeliveryRow = typeof crmDeliveries.$inferSelect;
export type CrmDeliveryAttemptRow = typeof crmDeliveryAttempts.$inferSelect;

/** The NOTIFY channel that wakes the CRM delivery dispatchers (a new delivery, a replay). */
export const CRM_CHANNEL = 'redial_crm_deliveries';

export async function crmEndpointOf(db: Tx, campaignId: string): Promise<CrmEndpointRow | null> {
  const [row] = await db.select().from(crmEndpoints).where(eq(crmEndpoints.campaignId, campaignId));
  return row ?? null;
}

export async function upsertCrmEndpoint(db: Tx, e: { campaignId: string; url: string; secret: string; mapping: CrmMapping; enabled: boolean; updatedBy: string }): Promise<CrmEndpointRow> {
  const [row] = await db
    .insert(crmEndpoints)
    .values(e)
    .onConflictDoUpdate({ target: crmEndpoints.campaignId, set: { url: e.url, secret: e.secret, mapping: e.mapping, enabled: e.enabled, updatedBy: e.updatedBy, updatedAt: sql`now()` } })
    .returning();
  return row!;
}

/** Queues a delivery once per (campaign, outcome id) and wakes the dispatchers at commit; null when it was there already. */
export async function insertCrmDelivery(
  db: Tx,
  d: { tenant: string; campaignId: string; outcomeId: string; outcome: BusinessOutcome; contactId: string; attemptId: string | null; url: string; body: string },
): Promise<number | null> {
  const [row] = await db.insert(crmDeliveries).values(d).onConflictDoNothing().returning({ id: crmDeliveries.id });
  if (row) await db.execute(sql`select pg_notify(${CRM_CHANNEL}, '')`);
  return row?.id ?? null;
}

/** Listens for new deliveries and replays; postgres.js re-listens after a lost connection and calls `onWake` again. */
export function listenCrm(db: Db, onWake: () => void) {
  return db.$client.listen(CRM_CHANNEL, onWake, onWake);
}

/** Up to `limit` deliveries with no workflow yet, locked for this transaction (other dispatchers skip them). */
export async function claimUndispatched(db: Tx, limit: number): Promise<Array<{ id: number; replays: number }>> {
  return db
    .select({ id: crmDeliveries.id, replays: crmDeliveries.replays })
    .from(crmDeliveries)
    .where(isNull(crmDeliveries.dispatchedAt))
    .orderBy(asc(crmDeliveries.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function markDispatched(db: Tx, id: number) {
  await db.update(crmDeliveries).set({ dispatchedAt: sql`now()` }).where(eq(crmDeliveries.id, id));
}

export async function crmDeliveryById(db: Tx, tenant: string, id: number): Promise<CrmDeliveryRow | null> {
  const [row] = await db
    .select()
    .from(crmDeliveries)
    .where(and(eq(crmDeliveries.tenant, tenant), eq(crmDeliveries.id, id)));
  return row ?? null;
}

/** The row for a delivery's try (any tenant: the workflow names it by id). */
export async function crmDeliveryForTry(db: Tx, id: number): Promise<CrmDeliveryRow | null> {
  const [row] = await db.select().from(crmDeliveries).where(eq(crmDeliveries.id, id));
  return row ?? null;
}

export async function recordCrmTry(db: Tx, t: { deliveryId: number; status: number | null; error: string | null; durationMs: number; delivered: boolean; nextAttemptAt: Date | null }) {
  await db.insert(crmDeliveryAttempts).values({ deliveryId: t.deliveryId, status: t.status, error: t.error, durationMs: t.durationMs });
  await db
    .update(crmDeliveries)
    .set({
      attempts: sql`${crmDeliveries.attempts} + 1`,
      lastStatus: t.status,
      lastError: t.error,
      heldAt: null,
      nextAttemptAt: t.nextAttemptAt,
      ...(t.delivered ? { state: 'delivered' as const, deliveredAt: sql`now()` } : {}),
    })
    .where(eq(crmDeliveries.id, t.deliveryId));
}

export async function markHeld(db: Tx, id: number) {
  await db.update(crmDeliveries).set({ heldAt: sql`coalesce(${crmDeliveries.heldAt}, now())` }).where(eq(crmDeliveries.id, id));
}

export async function markDead(db: Tx, id: number) {
  await db.update(crmDeliveries).set({ state: 'dead', deadAt: sql`now()`, nextAttemptAt: null }).where(and(eq(crmDeliveries.id, id), eq(crmDeliveries.state, 'pending')));
}

/** A dead delivery back to pending with no workflow (the dispatchers start its next run); null when it is not dead. */
export async function reopenDead(db: Tx, tenant: string, id: number): Promise<CrmDeliveryRow | null> {
  const [row] = await db
    .update(crmDeliveries)
    .set({ state: 'pending', deadAt: null, dispatchedAt: null, replays: sql`${crmDeliveries.replays} + 1` })
    .where(and(eq(crmDeliveries.tenant, tenant), eq(crmDeliveries.id, id), eq(crmDeliveries.state, 'dead')))
    .returning();
  if (row) await db.execute(sql`select pg_notify(${CRM_CHANNEL}, '')`);
  return row ?? null;
}

export async function listCrmDeliveries(
  db: Tx,
  tenant: string,
  f: { campaignId?: string; state?: CrmDeliveryState; outcome?: BusinessOutcome; contactId?: string; from?: Date; to?: Date; before?: number; limit: number },
): Promise<CrmDeliveryRow[]> {
  const where: SQL[] = [eq(crmDeliveries.tenant, tenant)];
  if (f.campaignId) where.push(eq(crmDeliveries.campaignId, f.campaignId));
  if (f.state) where.push(eq(crmDeliveries.state, f.state));
  if (f.outcome) where.push(eq(crmDeliveries.outcome, f.outcome));
  if (f.contactId) where.push(eq(crmDeliveries.contactId, f.contactId));
  if (f.from) where.push(gte(crmDeliveries.createdAt, f.from));
  if (f.to) where.push(lt(crmDeliveries.createdAt, f.to));
  if (f.before) where.push(lt(crmDeliveries.id, f.before));
  return db
    .select()
    .from(crmDeliveries)
    .where(and(...where))
    .orderBy(desc(crmDeliveries.id))
    .limit(f.limit);
}

export async function crmTriesOf(db: Tx, deliveryId: number): Promise<CrmDeliveryAttemptRow[]> {
  return db.select().from(crmDeliveryAttempts).where(eq(crmDeliveryAttempts.deliveryId, deliveryId)).orderBy(asc(crmDeliveryAttempts.id));
}
