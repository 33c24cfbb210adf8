import { eq, lt } from 'drizzle-orm';
import type { Tx } from '../client';
import { attempts, lines, webhookReceipts } from '../schema';

/** Whether a webhook delivery with this idempotency token was handled already. */
export async function webhookTokenSeen(db: Tx, token: string): Promise<boolean> {
  const rows = await db.select({ token: webhookReceipts.token }).from(webhookReceipts).where(eq(webhookReceipts.token, token));
  return rows.length > 0;
}

/** Remembers a delivery as handled (idempotent). */
export async function rememberWebhookToken(db: Tx, token: string): Promise<void> {
  await db.insert(webhookReceipts).values({ token }).onConflictDoNothing();
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
