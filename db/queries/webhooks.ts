import { eq, lt } from 'drizzle-orm';
import type { Tx } from '../client';
import { attempts, lines, webhookReceipts } from '../schema';

/** Claims a webhook delivery by its idempotency token; false when it was claimed before (a replay). */
export async function claimWebhookToken(db: Tx, token: string): Promise<boolean> {
  const rows = await db.insert(webhookReceipts).values({ token }).onConflictDoNothing().returning({ token: webhookReceipts.token });
  return rows.length > 0;
}

/** Gives a claim back (the delivery failed, so the carrier's retry must be handled). */
export async function releaseWebhookToken(db: Tx, token: string): Promise<void> {
  await db.delete(webhookReceipts).where(eq(webhookReceipts.token, token));
}

/** Forgets tokens older than `before`; how many. */
export async function pruneWebhookTokens(db: Tx, before: Date): Promise<number> {
  const rows = await db.delete(webhookReceipts).where(lt(webhookReceipts.receivedAt, before)).returning({ token: webhookReceipts.token });
  return rows.length;
}

/** The line an attempt was placed on (its callbacks are signed with that line's token), or null. */
export async function lineOfAttempt(db: Tx, attemptId: string) {
  const [row] = await db.select({ line: lines }).from(attempts).innerJoin(lines, eq(lines.id, attempts.lineId)).where(eq(attempts.id, attemptId));
  return row?.line ?? null;
}
