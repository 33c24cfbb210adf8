/**
 * Bearer API keys. Keys are random, shown once, stored as SHA-256 hashes. Roles are ordered:
 * viewer < operator < admin, and a route names the least role it needs.
 */
import { createMiddleware } from 'hono/factory';
import { touchKey } from '../db/queries/keys';
import { findLiveKey, hashKey } from '../services/keys';
import type { AppEnv, Role } from './context';
import { ApiError, ErrorCode } from './errors';

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** A short cache keeps key lookups off the hot path of event ingestion; revocation applies within it. */
const CACHE_MS = 10_000;

export function authenticate() {
  const cache = new Map<string, { keyId: string; role: Role; until: number }>();
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new ApiError(401, ErrorCode.unauthenticated, 'Send an API key as "Authorization: Bearer <key>".');
    const hash = hashKey(c.var.deps.keyring, m[1]!);
    let hit = cache.get(hash);
    if (!hit || hit.until < Date.now()) {
      const row = await findLiveKey(c.var.deps.db, c.var.deps.keyring, m[1]!);
      if (!row) {
        cache.delete(hash);
        throw new ApiError(401, ErrorCode.unauthenticated, 'This API key is unknown or revoked.');
      }
      hit = { keyId: row.id, role: row.role as Role, until: Date.now() + CACHE_MS };
      cache.set(hash, hit);
      // last use, at most once per cache period: the weekly permission audit finds unused keys
      await touchKey(c.var.deps.db, row.id);
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
