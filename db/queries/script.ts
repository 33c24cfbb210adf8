/** The call script's records: turns, what an answered call played, and the misunderstanding counts the watchdog reads. */
import { and, asc, eq, gt, gte, isNotNull, sql } from 'drizzle-orm';
import type { ScriptHealth } from '../../domain/incident';
import type { Tx } from '../client';
import { attempts, callTurns, campaigns, type PlayedScript } from '../schema';
import { realTraffic } from './traffic';

export type NewTurn = typeof callTurns.$inferInsert;

/** Records a turn once; false when it was recorded before (a redelivered Gather). */
export async function recordTurn(db: Tx, t: NewTurn): Promise<boolean> {
  const rows = await db.insert(callTurns).values(t).onConflictDoNothing().returning({ id: callTurns.id });
  return rows.length > 0;
}

export async function turnsOf(db: Tx, attemptId: string) {
  return db.select().from(callTurns).where(eq(callTurns.attemptId, attemptId)).orderBy(asc(callTurns.turn));
}

/** What an answered call played (the compliance record); a second fetch of the same call's TwiML records it again. */
export async function recordPlayed(db: Tx, attemptId: string, played: PlayedScript) {
  await db.update(attempts).set({ played }).where(eq(attempts.id, attemptId));
}

/** The script's business outcome on the attempt; with a callback, when it was asked for. An opt-out is never overwritten. */
export async function recordScriptResult(db: Tx, attemptId: string, r: { scriptOutcome: string; callbackAt?: Date }) {
  await db
    .update(attempts)
    .set({ scriptOutcome: r.scriptOutcome, ...(r.callbackAt ? { callbackAt: r.callbackAt } : {}) })
    .where(and(eq(attempts.id, attemptId), sql`${attempts.scriptOutcome} is distinct from 'opted-out'`));
}

/**
 * Per campaign since `since`: speech turns answered by the intelligent script, how many were not
 * understood, and how many asked for a person right after a misunderstanding.
 */
export async function scriptHealth(db: Tx, since: Date, campaignId?: string): Promise<ScriptHealth[]> {
  return db
    .select({
      campaignId: callTurns.campaignId,
      turns: sql<number>`count(*)::int`,
      unknown: sql<number>`(count(*) filter (where ${callTurns.intent} = 'unknown'))::int`,
      humanAfterMisunderstanding: sql<number>`(count(*) filter (where ${callTurns.humanAfterMisunderstanding}))::int`,
    })
    .from(callTurns)
    .where(and(gt(callTurns.at, since), eq(callTurns.input, 'speech'), eq(callTurns.mode, 'intelligent'), campaignId ? eq(callTurns.campaignId, campaignId) : undefined))
    .groupBy(callTurns.campaignId);
}

/** The words of every spoken turn of real calls reserved since `since` (sealed), with the call's campaign and industry, in call and turn order. */
export async function turnTextsSince(db: Tx, since: Date) {
  return db
    .select({ attemptId: callTurns.attemptId, campaignId: callTurns.campaignId, industry: campaigns.industry, turn: callTurns.turn, text: callTurns.text })
    .from(callTurns)
    .innerJoin(attempts, eq(attempts.id, callTurns.attemptId))
    .leftJoin(campaigns, eq(campaigns.id, callTurns.campaignId))
    .where(and(gte(attempts.reservedAt, since), isNotNull(callTurns.text), realTraffic()))
    .orderBy(asc(attempts.reservedAt), asc(callTurns.attemptId), asc(callTurns.turn));
}

/** Forgets the words of a call's turns (its recording's retention passed); how many turns had words. */
export async function clearTurnTexts(db: Tx, attemptId: string): Promise<number> {
  const rows = await db.update(callTurns).set({ text: null }).where(and(eq(callTurns.attemptId, attemptId), isNotNull(callTurns.text))).returning({ id: callTurns.id });
  return rows.length;
}
