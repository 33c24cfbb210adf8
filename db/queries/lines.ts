import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { orderForTier, selectable } from '../../domain/line-service';
import { SIMULATOR_ACCOUNT_SIDS } from '../../domain/vocabulary';
import type { Tx } from '../client';
import { attempts, lines } from '../schema';
import { realTraffic } from './traffic';

export type Line = typeof lines.$inferSelect;


/** Every line, closed ones too, in id order. */
export async function allLines(db: Tx): Promise<Line[]> {
  return db.select().from(lines).orderBy(asc(lines.id));
}

/**
 * Lines in the order a call for `tier` should try them: that tier, the tiers below, then the ones
 * above. Closed lines are left out, but for those the daily routine closed: they are probed after
 * their cool-down (activities/line-selection.ts).
 */
export async function linesFor(db: Tx, tier: string): Promise<Line[]> {
  return orderForTier((await allLines(db)).filter(selectable), tier);
}

/** Every line, locked until the transaction ends: taking lines out of service takes turns, so two never leave none. */
export async function lockAllLines(tx: Tx): Promise<Line[]> {
  return tx.select().from(lines).orderBy(asc(lines.id)).for('update');
}

export async function lineById(db: Tx, id: string) {
  const [row] = await db.select().from(lines).where(eq(lines.id, id));
  return row ?? null;
}

/** The line's row, locked until the transaction ends (two changes to one line take turns). */
export async function lockLine(tx: Tx, id: string) {
  const [row] = await tx.select().from(lines).where(eq(lines.id, id)).for('update');
  return row ?? null;
}

/** Adds a line unless one with its id exists; the new row, or null. */
export async function insertLine(db: Tx, line: typeof lines.$inferInsert): Promise<Line | null> {
  const [row] = await db.insert(lines).values(line).onConflictDoNothing().returning();
  return row ?? null;
}

/** Changes a line's CPS and/or state; the row after, or null when there is no such line. */
export async function updateLine(db: Tx, id: string, change: { cps?: number; state?: string; closedBy?: string | null; stateChangedAt?: Date; authToken?: string }): Promise<Line | null> {
  const [row] = await db.update(lines).set(change).where(eq(lines.id, id)).returning();
  return row ?? null;
}

/** Replaces a token only while it still holds `was` (a concurrent start may have sealed it already). */
export async function setLineToken(db: Tx, id: string, was: string, token: string) {
  await db.update(lines).set({ authToken: token }).where(and(eq(lines.id, id), eq(lines.authToken, was)));
}

/** The line that sends from `number` (inbound SMS name it in `To`), or null. */
export async function lineByNumber(db: Tx, number: string) {
  const [row] = await db.select().from(lines).where(eq(lines.fromNumber, number)).orderBy(asc(lines.id)).limit(1);
  return row ?? null;
}

/** Ids of lines on the carrier simulator's public accounts (never acceptable in production). */
export async function simulatorLineIds(db: Tx): Promise<string[]> {
  const rows = await db.select({ id: lines.id }).from(lines).where(inArray(lines.accountSid, [...SIMULATOR_ACCOUNT_SIDS])).orderBy(asc(lines.id));
  return rows.map((r) => r.id);
}

export async function ensureLines(db: Tx, ls: Array<typeof lines.$inferInsert>) {
  if (ls.length) await db.insert(lines).values(ls).onConflictDoNothing();
}

export interface LineHealth {
  /** Finished calls the figures are over. */
  calls: number;
  failures: number;
  delivered: number;
  invalid: number;
  failureRate: number;
  connectRate: number;
}

/**
 * A line's health over its last `lastN` finished calls since `since` (a rolling window by time
 * and count, so a burst after a quiet spell is judged on its own). DESIGN.md's metrics: failure
 * rate = carrier failures ÷ calls; connect rate = delivered (answered, busy, no-answer) ÷ calls,
 * invalid numbers excluded. Synthetic traffic (self-check, stress test) never judges a line.
 */
export async function lineHealth(db: Tx, lineId: string, window: { since: Date; lastN: number }): Promise<LineHealth> {
  const rows = await db
    .select({ status: attempts.status, outcome: attempts.outcome })
    .from(attempts)
    .where(
      and(
        eq(attempts.lineId, lineId),
        eq(attempts.channel, 'call'),
        realTraffic(),
        sql`${attempts.reservedAt} >= ${window.since.toISOString()}`,
        sql`(${attempts.endedAt} is not null or ${attempts.status} = 'carrier-failed')`,
      ),
    )
    .orderBy(sql`${attempts.reservedAt} desc`)
    .limit(window.lastN);
  const calls = rows.length;
  const failures = rows.filter((r) => r.outcome === 'carrier-failure').length;
  const delivered = rows.filter((r) => ['completed', 'busy', 'no-answer'].includes(r.status)).length;
  const invalid = rows.filter((r) => r.outcome === 'invalid').length;
  return {
    calls,
    failures,
    delivered,
    invalid,
    failureRate: calls ? failures / calls : 0,
    connectRate: calls - invalid > 0 ? delivered / (calls - invalid) : 1,
  };
}

/**
 * Moves a line from one state to another and records who took it out (null: back in service);
 * the row after, or null when it was no longer in `from` (another worker moved it first).
 */
export async function moveLine(db: Tx, lineId: string, from: string, to: string, closedBy: string | null): Promise<Line | null> {
  const [row] = await db
    .update(lines)
    .set({ state: to, closedBy, stateChangedAt: sql`now()`, lastProbeAt: null })
    .where(and(eq(lines.id, lineId), eq(lines.state, from)))
    .returning();
  return row ?? null;
}

/**
 * Claims the right to send one recovery probe on a line taken out automatically (failed over, or
 * closed by the routine), at most once per `everyMs`; never on a line an admin closed.
 */
export async function claimProbe(db: Tx, lineId: string, everyMs: number): Promise<boolean> {
  const rows = await db
    .update(lines)
    .set({ lastProbeAt: sql`now()` })
    .where(
      and(
        eq(lines.id, lineId),
        sql`(${lines.state} = 'failed' or (${lines.state} = 'closed' and ${lines.closedBy} = 'routine'))`,
        sql`(${lines.lastProbeAt} is null or ${lines.lastProbeAt} < now() - make_interval(secs => ${everyMs / 1000}))`,
      ),
    )
    .returning({ id: lines.id });
  return rows.length > 0;
}

/**
 * Pacing shared by every worker: each call takes the line's next send slot, spaced 1.2/cps
 * apart. The 20% margin is what lets the carrier's sliding one-second count hold even when the
 * sends jitter by up to ~200 ms (a loaded worker, GC): cps+1 calls would need to fit in the span
 * of cps gaps. Returns how long to wait before sending. The CPS is read in the same statement, so
 * a change applies to the very next call.
 */
export async function takeSlot(db: Tx, lineId: string): Promise<{ waitMs: number; intervalMs: number }> {
  const [r] = await db.execute<{ wait_ms: number; interval_ms: number }>(sql`
    update lines set next_slot_at = greatest(next_slot_at, clock_timestamp()) + make_interval(secs => 1.2 / cps)
    where id = ${lineId}
    returning greatest(0, extract(epoch from (next_slot_at - make_interval(secs => 1.2 / cps) - clock_timestamp())) * 1000)::float8 as wait_ms,
      (1200.0 / cps)::float8 as interval_ms`);
  return { waitMs: Number(r?.wait_ms ?? 0), intervalMs: Number(r?.interval_ms ?? 0) };
}

/** The line's current slot spacing (1.2 / cps), to tell a slot taken at an older, higher CPS. */
export async function slotIntervalMs(db: Tx, lineId: string): Promise<number> {
  const [r] = await db.select({ cps: lines.cps }).from(lines).where(eq(lines.id, lineId));
  return r ? 1200 / r.cps : 0;
}

/** The campaign's next send slot under its own CPS cap; 0 when it has none. */
export async function takeCampaignSlot(db: Tx, campaignId: string): Promise<number> {
  const [r] = await db.execute<{ wait_ms: number }>(sql`
    update campaigns set next_slot_at = greatest(next_slot_at, clock_timestamp()) + make_interval(secs => 1.0 / cps)
    where id = ${campaignId} and cps is not null
    returning greatest(0, extract(epoch from (next_slot_at - make_interval(secs => 1.0 / cps) - clock_timestamp())) * 1000)::float8 as wait_ms`);
  return Number(r?.wait_ms ?? 0);
}
