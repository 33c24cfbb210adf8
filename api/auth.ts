/**
 * Bearer API keys. Keys are random, shown once, stored as SHA-256 hashes. Roles are ordered:
 * viewer < operator < admin, and a route names the least role it needs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import type { Db } from '../db/client';
import { apiKeys } from '../db/schema';
import type { AppEnv, Role } from './context';
import { ApiError, ErrorCode } from './errors';

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
export const newKey = () => `rdl_${randomBytes(24).toString('base64url')}`;

/** Registers a key (idempotent by hash); returns its id. */
export async function ensureKey(db: Db, key: string, role: Role, name: string): Promise<string> {
  const hash = hashKey(key);
  await db
    .insert(apiKeys)
    .values({ id: `key_${hash.slice(0, 16)}`, name, role, hash })
    .onConflictDoNothing();
  const [row] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.hash, hash));
  return row!.id;
}

/** A short cache keeps key lookups off the hot path of event ingestion; revocation applies within it. */
const CACHE_MS = 10_000;

export function authenticate() {
  const cache = new Map<string, { keyId: string; role: Role; until: number }>();
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new ApiError(401, ErrorCode.unauthenticated, 'Send an API key as "Authorization: Bearer <key>".');
    const hash = hashKey(m[1]!);
    let hit = cache.get(hash);
    if (!hit || hit.until < Date.now()) {
      const [row] = await c.var.deps.db
        .select({ id: apiKeys.id, role: apiKeys.role })
        .from(apiKeys)
        .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)));
      if (!row) {
        cache.delete(hash);
        throw new ApiError(401, ErrorCode.unauthenticated, 'This API key is unknown or revoked.');
      }
      hit = { keyId: row.id, role: row.role as Role, until: Date.now() + CACHE_MS };
      cache.set(hash, hit);
      // last use, at most once per cache period: the weekly permission audit finds unused keys
      await c.var.deps.db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, row.id));
    }
    c.set('principal', { keyId: hit.keyId, role: hit.role });
    await next();
  });
}

export function requireRole(min: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const p = c.var.principal;
    if (!p || rank[p.role] < rank[min]) throw new ApiError(403, ErrorCode.forbidden, `This action needs the ${min} role; your key has ${p?.role ?? 'none'}.`);
    await next();
  });
}
