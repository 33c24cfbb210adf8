/**
 * Bearer API keys. Keys are random, shown once, stored as keyed hashes (services/keys.ts). Roles are ordered:
 * viewer < operator < admin, and a route names the least role it needs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { touchKey } from '../db/queries/keys';
import { findLiveKey, hashKey } from '../services/keys';
import { suspension } from '../services/lockdown';
import type { AppEnv, Role } from './context';
import { ApiError, ErrorCode } from './errors';

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** A short cache keeps key lookups off the hot path of event ingestion; revocation applies within it. */
const CACHE_MS = 10_000;

/**
 * Runs before anything reads the request body: a request without a valid key is answered 401
 * having read none of it. `onFailure` counts the refusal against the client's address;
 * `blocked` (seconds) refuses 429 a key never seen valid here, without looking it up.
 */
export function authenticate(opts: { onFailure?: (c: Context<AppEnv>) => void; blocked?: (c: Context<AppEnv>) => number } = {}) {
  const cache = new Map<string, { keyId: string; role: Role; until: number }>();
  const refuse = (c: Context<AppEnv>, detail: string) => {
    opts.onFailure?.(c);
    return new ApiError(401, ErrorCode.unauthenticated, detail);
  };
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const hash = m ? hashKey(c.var.deps.keyring, m[1]!) : null;
    let hit = hash ? cache.get(hash) : undefined;
    if (!hit) {
      const wait = opts.blocked?.(c) ?? 0;
      if (wait) {
        c.header('Retry-After', String(wait));
        throw new ApiError(429, ErrorCode.rateLimited, `Too many requests from this address failed authentication. Retry in ${wait} s.`);
      }
    }
    if (!hash || !m) throw refuse(c, 'Send an API key as "Authorization: Bearer <key>".');
    if (!hit || hit.until < Date.now()) {
      const row = await findLiveKey(c.var.deps.db, c.var.deps.keyring, m[1]!);
      if (!row) {
        cache.delete(hash);
        throw refuse(c, 'This API key is unknown or revoked.');
      }
      // a bounded cache: a flood of distinct keys cannot grow it without end
      if (cache.size >= 10_000) cache.clear();
      hit = { keyId: row.id, role: row.role as Role, until: Date.now() + CACHE_MS };
      cache.set(hash, hit);
      // last use, at most once per cache period: the weekly permission audit finds unused keys
      await touchKey(c.var.deps.db, row.id);
    }
    c.set('principal', { keyId: hit.keyId, role: hit.role });
    await next();
  });
}

/**
 * In front of `authenticate` where a scraper may come (GET /metrics): the configured scrape token
 * as bearer is a viewer; anything else is checked as an API key.
 */
export function scrapeToken(token: string | undefined, keys: MiddlewareHandler<AppEnv>) {
  const expected = token ? createHash('sha256').update(token).digest() : null;
  return createMiddleware<AppEnv>(async (c, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (expected && m && timingSafeEqual(createHash('sha256').update(m[1]!).digest(), expected)) {
      c.set('principal', { keyId: 'metrics-token', role: 'viewer' });
      return next();
    }
    return keys(c, next);
  });
}

export function requireRole(min: Role) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const p = c.var.principal;
    if (!p || rank[p.role] < rank[min]) throw new ApiError(403, ErrorCode.forbidden, `This action needs the ${min} role; your key has ${p?.role ?? 'none'}.`);
    await next();
  });
}

/**
 * During a lockdown, a key other than admin is refused 403 `key_suspended` (audited) on every
 * route that is not `open` (event ingestion and opt-outs stay open, so nothing a customer asked
 * for is lost).
 */
export function suspendDuringLockdown(open: boolean) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const p = c.var.principal;
    if (!open && p.role !== 'admin') {
      const detail = await suspension(c.var.deps, { actor: p.keyId, what: `${c.req.method} ${routePath(c)}` });
      if (detail) throw new ApiError(403, ErrorCode.keySuspended, detail);
    }
    await next();
  });
}
