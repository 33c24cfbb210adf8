/** DESIGN.md's metrics, defined once, as SQL over attempts and the compliance log (never hand-kept counters); the attempts export. */
import { and, asc, eq, gt, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from '../client';
import { attempts, complianceLog, contacts, deadlineMisses } from '../schema';
import { traffic } from './traffic';

export interface Counts {
  attempted: number;
  placed: number;
  delivered: number;
  answered: number;
  converted: number;
  optedOut: number;
  invalid: number;
  carrierFailures: number;
}

export interface Rates {
  dialSuccessRate: number | null;
  answerRate: number | null;
  conversionRate: number | null;
  lineFailureRate: number | null;
  lineConnectRate: number | null;
}

/** DESIGN.md's per-call counts as SQL aggregates over attempts; spread into a select with any grouping. */
export const callCounts = {
  attempted: sql<number>`count(*)::int`,
  placed: sql<number>`count(*) filter (where ${attempts.providerSid} is not null or ${attempts.status} = 'carrier-failed')::int`,
  delivered: sql<number>`count(*) filter (where ${attempts.status} in ('completed', 'busy', 'no-answer'))::int`,
  // answered by a person: machines and fax are not people
  answered: sql<number>`count(*) filter (where ${attempts.status} = 'completed' and coalesce(${attempts.answeredBy}, 'human') not like 'machine%' and coalesce(${attempts.answeredBy}, 'human') <> 'fax')::int`,
  converted: sql<number>`count(*) filter (where ${attempts.outcome} = 'converted')::int`,
  optedOut: sql<number>`count(*) filter (where ${attempts.outcome} = 'opted-out')::int`,
  invalid: sql<number>`count(*) filter (where ${attempts.outcome} = 'invalid')::int`,
  carrierFailures: sql<number>`count(*) filter (where ${attempts.outcome} = 'carrier-failure')::int`,
};

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

export function rates(c: Counts): Rates {
  return {
    dialSuccessRate: ratio(c.delivered, c.attempted),
    answerRate: ratio(c.answered, c.delivered),
    conversionRate: ratio(c.converted, c.answered),
    lineFailureRate: ratio(c.carrierFailures, c.placed),
    lineConnectRate: ratio(c.delivered, c.placed - c.invalid),
  };
}

export interface ReportFilter {
  from: Date;
  to: Date;
  campaignId?: string;
  /** Redial's own test traffic (self-check, stress test) instead of the real one; never both. */
  synthetic?: boolean;
}

function where(f: ReportFilter): SQL {
  return and(
    eq(attempts.channel, 'call'),
    gte(attempts.reservedAt, f.from),
    lt(attempts.reservedAt, f.to),
    traffic(f.synthetic ?? false),
    f.campaignId ? eq(attempts.campaignId, f.campaignId) : undefined,
  )!;
}

/** Rows logged in the report's window, of its traffic kind and campaign (refusals, deadline misses). */
function loggedWithin(f: ReportFilter, at: PgColumn, campaign: PgColumn): SQL {
  return and(gte(at, f.from), lt(at, f.to), traffic(f.synthetic ?? false, campaign), f.campaignId ? eq(campaign, f.campaignId) : undefined)!;
}

export async function summary(db: Tx, f: ReportFilter) {
  const [total] = await db.select(callCounts).from(attempts).where(where(f));
  const byLine = await db
    .select({ lineId: attempts.lineId, ...callCounts })
    .from(attempts)
    .where(where(f))
    .groupBy(attempts.lineId)
    .orderBy(attempts.lineId);
  const byDay = await db
    .select({ day: attempts.localDay, ...callCounts })
    .from(attempts)
    .where(where(f))
    .groupBy(attempts.localDay)
    .orderBy(attempts.localDay);
  const refused = await db
    .select({ reason: complianceLog.reason, count: sql<number>`count(*)::int` })
    .from(complianceLog)
    .where(
      loggedWithin(f, complianceLog.createdAt, complianceLog.campaignId),
    )
    .groupBy(complianceLog.reason)
    .orderBy(complianceLog.reason);
  const missed = await db
    .select({ reason: deadlineMisses.reason, action: deadlineMisses.action, count: sql<number>`count(*)::int` })
    .from(deadlineMisses)
    .where(
      loggedWithin(f, deadlineMisses.createdAt, deadlineMisses.campaignId),
    )
    .groupBy(deadlineMisses.reason, deadlineMisses.action);
  const sum = (rows: typeof missed) => rows.reduce((n, r) => n + r.count, 0);
  const byReason: Record<string, number> = {};
  for (const r of missed) byReason[r.reason] = (byReason[r.reason] ?? 0) + r.count;
  const t = total!;
  return {
    ...t,
    ...rates(t),
    refusedByReason: Object.fromEntries(refused.map((r) => [r.reason, r.count])),
    deadlinesMissed: { total: sum(missed), handedOff: sum(missed.filter((r) => r.action === 'handed-off')), byReason },
    byLine: byLine.map((l) => ({ ...l, ...rates(l) })),
    byDay: byDay.map((d) => ({ ...d, ...rates(d) })),
  };
}

export interface ExportFilter {
  campaignId?: string;
  from?: Date;
  to?: Date;
}

/**
 * One page of attempts with their contact's phone and name, in attempt id order, after the id
 * `after` (keyset pagination: constant memory however large the export).
 */
export async function attemptsPage(db: Tx, f: ExportFilter, after: string | null, limit: number) {
  return db
    .select({ a: attempts, phone: contacts.phone, name: contacts.name })
    .from(attempts)
    .innerJoin(contacts, eq(contacts.id, attempts.contactId))
    .where(
      and(
        after ? gt(attempts.id, after) : undefined,
        f.campaignId ? eq(attempts.campaignId, f.campaignId) : undefined,
        f.from ? gte(attempts.reservedAt, f.from) : undefined,
        f.to ? lt(attempts.reservedAt, f.to) : undefined,
      ),
    )
    .orderBy(asc(attempts.id))
    .limit(limit);
}
