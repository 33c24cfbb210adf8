/** Queries of the operations side: incidents and their timelines, holds, alerts, interface errors, maintenance runs. */
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { alerts, attempts, incidents, interfaceErrors, maintenanceRuns, type TimelineEntry } from '../schema';
import { realTraffic } from './traffic';

export type Incident = typeof incidents.$inferSelect;

/** Statuses in which an interface incident holds every cadence at the gate. */
export const HOLDING = ['open', 'aborted'];

export async function openIncident(db: Tx, i: { kind: string; subject: string; workflowId: string; detail?: unknown }): Promise<Incident> {
  // a retried activity finds the incident its first try opened
  const [existing] = await db.select().from(incidents).where(and(eq(incidents.workflowId, i.workflowId), inArray(incidents.status, HOLDING)));
  if (existing) return existing;
  const [row] = await db
    .insert(incidents)
    .values({ kind: i.kind, subject: i.subject, workflowId: i.workflowId, status: 'open', timeline: [{ at: new Date().toISOString(), step: 'opened', detail: i.detail }] })
    .returning();
  return row!;
}

/** Appends a step to the timeline; with `status`, moves the incident to it (closing it unless it still holds). */
export async function noteIncident(db: Tx, id: string, step: string, detail?: unknown, status?: string) {
  const entry: TimelineEntry = { at: new Date().toISOString(), step, ...(detail === undefined ? {} : { detail }) };
  await db
    .update(incidents)
    .set({
      timeline: sql`${incidents.timeline} || ${JSON.stringify([entry])}::jsonb`,
      ...(status ? { status, closedAt: HOLDING.includes(status) ? null : new Date() } : {}),
    })
    .where(eq(incidents.id, id));
}

export async function incidentById(db: Tx, id: string) {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  return row ?? null;
}

export async function listIncidents(db: Tx, limit = 100) {
  return db.select().from(incidents).orderBy(desc(incidents.openedAt)).limit(limit);
}

/** The interface incident currently holding cadences, if any. */
export async function activeHold(db: Tx): Promise<Incident | null> {
  const [row] = await db
    .select()
    .from(incidents)
    .where(and(eq(incidents.kind, 'interface'), inArray(incidents.status, HOLDING)))
    .limit(1);
  return row ?? null;
}

/** The last time an incident about `subject` closed (what came before it is that incident's). */
export async function lastClosed(db: Tx, kind: string, subject: string): Promise<Date | null> {
  const [row] = await db.select({ at: sql<string | null>`max(${incidents.closedAt})` }).from(incidents).where(and(eq(incidents.kind, kind), eq(incidents.subject, subject)));
  return row?.at ? new Date(row.at) : null;
}

/**
 * Connect rate per campaign over finished real calls since `since` (DESIGN.md: delivered ÷ placed,
 * invalid numbers excluded).
 */
export async function campaignConnectRates(db: Tx, since: Date, campaignId?: string) {
  const rows = await db
    .select({
      campaignId: attempts.campaignId,
      placed: sql<number>`count(*) filter (where ${attempts.outcome} is distinct from 'invalid')::int`,
      delivered: sql<number>`count(*) filter (where ${attempts.status} in ('completed', 'busy', 'no-answer'))::int`,
    })
    .from(attempts)
    .where(
      and(
        eq(attempts.channel, 'call'),
        realTraffic(),
        gte(attempts.reservedAt, since),
        sql`(${attempts.endedAt} is not null or ${attempts.status} = 'carrier-failed')`,
        campaignId ? eq(attempts.campaignId, campaignId) : undefined,
      ),
    )
    .groupBy(attempts.campaignId);
  return rows.map((r) => ({ ...r, rate: r.placed ? r.delivered / r.placed : 1 }));
}

/** Carrier API failures (the create request itself failed) among the real calls attempted since `since`. */
export async function carrierApiFailures(db: Tx, since: Date) {
  const [r] = await db
    .select({
      tried: sql<number>`count(*) filter (where ${attempts.status} <> 'reserved')::int`,
      failed: sql<number>`count(*) filter (where ${attempts.status} = 'carrier-failed')::int`,
    })
    .from(attempts)
    .where(and(gte(attempts.reservedAt, since), realTraffic()));
  return { tried: r?.tried ?? 0, failed: r?.failed ?? 0 };
}

export async function recordInterfaceError(db: Tx, iface: 'crm' | 'carrier', error: string) {
  await db.insert(interfaceErrors).values({ interface: iface, error: error.slice(0, 500) });
}

export async function interfaceErrorCount(db: Tx, iface: string, since: Date) {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(interfaceErrors).where(and(eq(interfaceErrors.interface, iface), gte(interfaceErrors.at, since)));
  return r?.n ?? 0;
}

export async function listAlerts(db: Tx, limit = 100) {
  return db.select().from(alerts).orderBy(desc(alerts.id)).limit(limit);
}

/** Recent maintenance runs, newest first; of one routine when given. */
export async function listMaintenanceRuns(db: Tx, f: { routine?: string; limit: number }) {
  return db.select().from(maintenanceRuns).where(f.routine ? eq(maintenanceRuns.routine, f.routine) : undefined).orderBy(desc(maintenanceRuns.id)).limit(f.limit);
}

/** The cheapest round trip: is the database answering? */
export async function ping(db: Tx) {
  await db.execute(sql`select 1`);
}
