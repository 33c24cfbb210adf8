/**
 * What the carrier activities share: the attempt with its contact and active strategy, the line
 * it goes out on, and marking a carrier failure.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { attemptWithStrategy } from '../db/queries/attempts';
import { lineById } from '../db/queries/lines';
import { attempts } from '../db/schema';
import type { FailoverPolicy } from '../domain/failover';
import type { Strategy } from '../domain/strategy';
import { twilioErrorCode } from './carrier';
import { selectLine } from './line-selection';

export async function loadForCarrier(db: Db, attemptId: string) {
  const row = await attemptWithStrategy(db, attemptId);
  if (!row) throw ApplicationFailure.nonRetryable(`attempt ${attemptId} or its campaign not found`, 'NotFound');
  return row;
}

export async function chooseLine(db: Db, failover: FailoverPolicy, log: (m: string) => void, a: { lineId: string | null }, tags: string[], strategy: Strategy) {
  // a retried attempt stays on the line it started on: reconciliation looks for its call there
  if (a.lineId) {
    const l = await lineById(db, a.lineId);
    if (l) return l;
  }
  const tier = tags.map((t) => strategy.lineTier[t]).find(Boolean) ?? strategy.defaultLineTier;
  const line = await selectLine(db, tier, failover, log);
  if (!line) throw ApplicationFailure.retryable('no carrier line configured', 'NoLine');
  return line;
}

export async function markCarrierFailure(db: Db, attemptId: string, err: unknown) {
  await db
    .update(attempts)
    .set({ status: 'carrier-failed', outcome: 'carrier-failure', sipResponseCode: twilioErrorCode(err) ?? null })
    .where(and(eq(attempts.id, attemptId), eq(attempts.status, 'dialing')));
}
