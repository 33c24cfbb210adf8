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
  /** Seconds talked on calls answered by a person (the carrier's CallDuration of the final status callback). */
  talkTimeSec: number;
}

export interface Rates {
  dialSuccessRate: number | null;
  answerRate: number | null;
  conversionRate: number | null;
  lineFailureRate: number | null;
  lineConnectRate: number | null;
  complaintRate: number | null;
  avgTalkTimeSec: number | null;
}

const isCall = sql`${attempts.channel} = 'call'`;
// answered by a person: machines and fax are not people
const byPerson = sql`${isCall} and ${attempts.status} = 'completed' and coalesce(${attempts.answeredBy}, 'human') not like 'machine%' and coalesce(${attempts.answeredBy}, 'human') <> 'fax'`;

/**
 * DESIGN.md's per-call counts as SQL aggregates over attempts (calls only, whatever else the
 * rows hold); spread into a select with any grouping.
 */
export const callCounts = {
  // a reservation the window closed on before the send never reached the carrier (activities/carrier-attempt.ts)
  attempted: sql<number>`count(*) filter (where ${isCall} and ${attempts.status} <> 'not-placed')::int`,
  placed: sql<number>`count(*) filter (where ${isCall} and (${attempts.providerSid} is not null or ${attempts.status} = 'carrier-failed'))::int`,
  delivered: sql<number>`count(*) filter (where ${isCall} and ${attempts.status} in ('completed', 'busy', 'no-answer'))::int`,
  answered: sql<number>`count(*) filter (where ${byPerson})::int`,
  converted: sql<number>`count(*) filter (where ${isCall} and ${attempts.outcome} = 'converted')::int`,
  optedOut: sql<number>`count(*) filter (where ${isCall} and ${attempts.outcome} = 'opted-out')::int`,
  invalid: sql<number>`count(*) filter (where ${isCall} and ${attempts.outcome} = 'invalid')::int`,
  carrierFailures: sql<number>`count(*) filter (where ${isCall} and ${attempts.outcome} = 'carrier-failure')::int`,
  talkTimeSec: sql<number>`coalesce(sum(${attempts.durationSec}) filter (where ${byPerson}), 0)::float8`,
};

/** Texts the carrier accepted. */
const smsSent = sql<number>`count(*) filter (where ${attempts.channel} = 'sms' and ${attempts.providerSid} is not null)::int`;

export const noCounts: Counts = { attempted: 0, placed: 0, delivered: 0, answered: 0, converted: 0, optedOut: 0, invalid: 0, carrierFailures: 0, talkTimeSec: 0 };

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

export function rates(c: Counts): Rates {
  return {
    dialSuccessRate: ratio(c.delivered, c.attempted),
    answerRate: ratio(c.answered, c.delivered),
    conversionRate: ratio(c.converted, c.answered),
    lineFailureRate: ratio(c.carrierFailures, c.placed),
    lineConnectRate: ratio(c.delivered, c.placed - c.invalid),
    // a complaint is an opt-out on an answered call (DESIGN.md)
    complaintRate: ratio(c.optedOut, c.answered),
    avgTalkTimeSec: c.answered > 0 ? Math.round((c.talkTimeSec / c.answered) * 10) / 10 : null,
  };
}

/** One row of any of the report's groupings. */
export type Metrics = Counts & Rates & { smsSent: number };

export interface ReportFilter {
  from: Date;
  to: Date;
  campaignId?: string;
  /** Redial's own test traffic (self-check, stress test) instead of the real one; never both. */
  synthetic?: boolean;
}

function where(f: ReportFilter): SQL {
  return and(
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

/** The per-line series: hourly over a window of up to two days, daily (UTC) beyond. */
export type Bucket = 'hour' | 'day';
export const bucketOf = (f: ReportFilter): Bucket => (f.to.getTime() - f.from.getTime() <= 2 * 86_400_000 ? 'hour' : 'day');

/** Which grouping a row of the grouping-sets query belongs to: PostgreSQL's grouping() bits (campaign 8, day 4, line 2, time 1; set = not grouped by). */
const GROUPING = { total: 15, line: 13, day: 11, campaign: 7, campaignDay: 3, lineTime: 12 } as const;

const byKey = <T>(key: (r: T) => string | null) => (a: T, b: T) => {
  const x = key(a);
  const y = key(b);
  // nulls last, as PostgreSQL orders them
  return x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
};

/**
 * The report: every grouping the page shows (total, per line, per local day, per campaign, per
 * campaign and day, per line over time) in one pass over the window's attempts (grouping sets),
 * then refusals and deadline misses from their logs.
 */
export async function summary(db: Tx, f: ReportFilter) {
  const bucket = bucketOf(f);
  const at = sql`date_trunc(${sql.raw(`'${bucket}'`)}, ${attempts.reservedAt} at time zone 'UTC')`;
  const rows = await db
    .select({
      grouping: sql<number>`grouping(${attempts.campaignId}, ${attempts.localDay}, ${attempts.lineId}, ${at})::int`,
      campaignId: attempts.campaignId,
      day: attempts.localDay,
      lineId: attempts.lineId,
      at: sql<string | null>`to_char(${at}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
      ...callCounts,
      smsSent,
    })
    .from(attempts)
    .where(where(f))
    .groupBy(
      sql`grouping sets ((), (${attempts.lineId}), (${attempts.localDay}), (${attempts.campaignId}), (${attempts.campaignId}, ${attempts.localDay}), (${attempts.lineId}, ${at}))`,
    );
  const of = (g: number) => rows.filter((r) => r.grouping === g).map(({ grouping: _g, campaignId, day, lineId, at: time, ...c }) => ({ campaignId, day, lineId, at: time, ...c, ...rates(c) }));
  const refused = await db
    .select({ reason: complianceLog.reason, count: sql<number>`count(*)::int` })
    .from(complianceLog)
    .where(loggedWithin(f, complianceLog.createdAt, complianceLog.campaignId))
    .groupBy(complianceLog.reason)
    .orderBy(complianceLog.reason);
  const missed = await db
    .select({ reason: deadlineMisses.reason, action: deadlineMisses.action, count: sql<number>`count(*)::int` })
    .from(deadlineMisses)
    .where(loggedWithin(f, deadlineMisses.createdAt, deadlineMisses.campaignId))
    .groupBy(deadlineMisses.reason, deadlineMisses.action);
  const sum = (rs: typeof missed) => rs.reduce((n, r) => n + r.count, 0);
  const byReason: Record<string, number> = {};
  for (const r of missed) byReason[r.reason] = (byReason[r.reason] ?? 0) + r.count;
  const { campaignId: _c, day: _d, lineId: _l, at: _a, ...total } = of(GROUPING.total)[0]!;
  return {
    ...total,
    refusedByReason: Object.fromEntries(refused.map((r) => [r.reason, r.count])),
    deadlinesMissed: { total: sum(missed), handedOff: sum(missed.filter((r) => r.action === 'handed-off')), byReason },
    byLine: of(GROUPING.line)
      .sort(byKey((r) => r.lineId))
      .map(({ campaignId: _x, day: _y, at: _z, ...r }) => r),
    byDay: of(GROUPING.day)
      .sort(byKey((r) => r.day))
      .map(({ campaignId: _x, lineId: _y, at: _z, day, ...r }) => ({ day: day!, ...r })),
    byCampaign: of(GROUPING.campaign)
      .sort(byKey((r) => r.campaignId))
      .map(({ day: _x, lineId: _y, at: _z, campaignId, ...r }) => ({ campaignId: campaignId!, ...r })),
    byCampaignDay: of(GROUPING.campaignDay)
      .sort(byKey((r) => `${r.campaignId}|${r.day}`))
      .map(({ lineId: _y, at: _z, campaignId, day, ...r }) => ({ campaignId: campaignId!, day: day!, ...r })),
    byLineOverTime: {
      bucket,
      points: of(GROUPING.lineTime)
        .sort(byKey((r) => `${r.lineId ?? '~'}|${r.at}`))
        .map(({ campaignId: _x, day: _y, lineId, at: time, ...r }) => ({ lineId, at: time!, ...r })),
    },
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
