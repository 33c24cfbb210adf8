/** The call script's records: turns, what an answered call played, and the misunderstanding counts the watchdog reads. */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { ScriptHealth } from '../../domain/incident';
import type { Tx } from '../client';
import { attempts, callTurns, type PlayedScript } from '../schema';

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
