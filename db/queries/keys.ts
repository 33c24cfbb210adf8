import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { apiKeys } from '../schema';

export type ApiKey = typeof apiKeys.$inferSelect;

/** Stores a key by its hash (idempotent: the same hash is one key); returns the key's id. */
export async function insertKey(db: Tx, k: { id: string; hash: string; role: string; name: string; expiresAt?: Date | null }): Promise<string> {
  await db.insert(apiKeys).values(k).onConflictDoNothing({ target: apiKeys.hash });
  const [row] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.hash, k.hash));
  return row!.id;
}

export async function keyById(db: Tx, id: string): Promise<ApiKey | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row ?? null;
}

/** Every key, oldest first, revoked ones too. */
export async function allKeys(db: Tx): Promise<ApiKey[]> {
  return db.select().from(apiKeys).orderBy(apiKeys.createdAt);
}

/** Revokes a key that is not revoked yet; the row when this call revoked it, else null. */
export async function revokeKey(db: Tx, id: string): Promise<ApiKey | null> {
  const [row] = await db.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
  return row ?? null;
}

/** Replaces a key's stored hash (a new hashing scheme); true when a key had `from`. */
export async function rehashKey(db: Tx, from: string, to: string): Promise<boolean> {
  const rows = await db.update(apiKeys).set({ hash: to }).where(eq(apiKeys.hash, from)).returning({ id: apiKeys.id });
  return rows.length > 0;
}

export async function hasLiveAdminKey(db: Tx): Promise<boolean> {
  const [row] = await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt))).limit(1);
  return Boolean(row);
}

/** The live (unrevoked) key with this hash, for authentication. */
export async function liveKeyByHash(db: Tx, hash: string): Promise<{ id: string; role: string } | null> {
  const [row] = await db
    .select({ id: apiKeys.id, role: apiKeys.role })
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`))));
  return row ?? null;
}

/** Records a key's use (the weekly permission audit finds unused keys). */
export async function touchKey(db: Tx, id: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, id));
}
