/** Queries of the operations side: incidents and their timelines, holds, alerts, interface errors, maintenance runs. */
import { and, desc, eq, gte, inArray, isNull, lte, ne, notInArray, or, sql } from 'drizzle-orm';
import type { CarrierCreates } from '../../domain/incident';
import type { Tx } from '../client';
import { alerts, attempts, incidents, interfaceErrors, lines, maintenanceRuns, type TimelineEntry } from '../schema';
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

/** The incident of this kind about `subject` that is open (or aborted and still waiting for a resume), if any. */
export async function openIncidentAbout(db: Tx, kind: string, subject: string): Promise<Incident | null> {
  const [row] = await db
    .select()
    .from(incidents)
    .where(and(eq(incidents.kind, kind), eq(incidents.subject, subject), inArray(incidents.status, HOLDING)))
    .orderBy(desc(incidents.openedAt))
    .limit(1);
  return row ?? null;
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
 * Did an incident of `kind` about `subject` hold at any moment of [from, to]? (Opened by `to`,
 * and still open or closed after `from`.)
 */
export async function incidentDuring(db: Tx, kind: string, subject: string, from: Date, to: Date): Promise<boolean> {
  const rows = await db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(eq(incidents.kind, kind), eq(incidents.subject, subject), lte(incidents.openedAt, to), or(isNull(incidents.closedAt), gte(incidents.closedAt, from))))
    .limit(1);
  return rows.length > 0;
}

/**
 * Connect rate per campaign over its finished real calls since `since` (DESIGN.md: delivered ÷
 * placed, invalid numbers excluded). Carrier failures (a create the API refused, SIP 5xx, a
 * timeout) are excluded too: they are the carrier's, judged by line failover and the carrier
 * interface incident — a campaign is never slowed down or rolled back for them.
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
        sql`${attempts.endedAt} is not null`,
        ne(attempts.status, 'carrier-failed'),
        sql`${attempts.outcome} is distinct from 'carrier-failure'`,
        campaignId ? eq(attempts.campaignId, campaignId) : undefined,
      ),
    )
    .groupBy(attempts.campaignId);
  return rows.map((r) => ({ ...r, rate: r.placed ? r.delivered / r.placed : 1 }));
}

/**
 * Real carrier creates (calls and texts) since `since` whose answer is known, how many the API
 * refused (status carrier-failed), on how many distinct lines, and how many lines are open: what
 * domain/incident.ts judges the carrier's interface by.
 */
export async function carrierApiFailures(db: Tx, since: Date): Promise<CarrierCreates> {
  const [r] = await db
    .select({
      tried: sql<number>`count(*)::int`,
      failed: sql<number>`count(*) filter (where ${attempts.status} = 'carrier-failed')::int`,
      failedLines: sql<number>`count(distinct ${attempts.lineId}) filter (where ${attempts.status} = 'carrier-failed')::int`,
    })
    .from(attempts)
    .where(and(gte(attempts.reservedAt, since), notInArray(attempts.status, ['reserved', 'dialing']), realTraffic()));
  const [open] = await db.select({ n: sql<number>`count(*)::int` }).from(lines).where(ne(lines.state, 'closed'));
  return { tried: r?.tried ?? 0, failed: r?.failed ?? 0, failedLines: r?.failedLines ?? 0, openLines: open?.n ?? 0 };
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

/** The latest runs holding a check of this name (e.g. every stress test: monthly and on demand), newest first. */
export async function runsWithCheck(db: Tx, f: { check: string; routine?: string; limit: number }) {
  const holds = sql`${maintenanceRuns.results} @> ${JSON.stringify([{ name: f.check }])}::jsonb`;
  return db
    .select()
    .from(maintenanceRuns)
    .where(f.routine ? and(eq(maintenanceRuns.routine, f.routine), holds) : holds)
    .orderBy(desc(maintenanceRuns.id))
    .limit(f.limit);
}

/** The cheapest round trip: is the database answering? */
export async function ping(db: Tx) {
  await db.execute(sql`select 1`);
}
