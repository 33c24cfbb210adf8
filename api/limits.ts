/**
 * Rate and concurrency limits of the API (configured in api/config.ts): token buckets per client
 * address (every request, and failed authentications apart) and per API key, and a cap on large
 * request bodies in flight. Over a limit → 429 problem+json `rate_limited` with Retry-After. The
 * buckets live in the process: behind N API processes a client gets up to N times the rate.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { ApiLimits, AppEnv, Bucket } from './context';

export type { ApiLimits, Bucket };
import { ErrorCode, problem } from './errors';

/**
 * Generous by default: a CRM syncing 200 events/s on one key stays far below them; a runaway
 * client or a flood from one address does not.
 */
export const defaultLimits: ApiLimits = {
  perKey: { rate: 1000, burst: 2000 },
  perIp: { rate: 2000, burst: 4000 },
  authFailuresPerIp: { rate: 10, burst: 100 },
  largeBodyBytes: 1024 * 1024,
  largeBodies: 4,
  trustProxy: false,
};

/** Token buckets by key, bounded in memory (full buckets are forgotten first). */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly b: Bucket,
    private readonly maxEntries = 100_000,
  ) {}

  private refill(key: string, now: number) {
    let s = this.buckets.get(key);
    if (!s) {
      if (this.buckets.size >= this.maxEntries) this.sweep(now);
      this.buckets.set(key, (s = { tokens: this.b.burst, at: now }));
    } else {
      s.tokens = Math.min(this.b.burst, s.tokens + ((now - s.at) / 1000) * this.b.rate);
      s.at = now;
    }
    return s;
  }

  /** Seconds to wait before a token is there (0: there is one now); does not take it. */
  wait(key: string, now = Date.now()): number {
    if (this.b.rate <= 0) return 0;
    const s = this.refill(key, now);
    return s.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - s.tokens) / this.b.rate));
  }

  /** Takes a token: 0 when there was one, else the seconds to wait (Retry-After). */
  take(key: string, now = Date.now()): number {
    if (this.b.rate <= 0) return 0;
    const s = this.refill(key, now);
    if (s.tokens >= 1) {
      s.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - s.tokens) / this.b.rate));
  }

  private sweep(now: number) {
    for (const [k, s] of this.buckets) if (s.tokens + ((now - s.at) / 1000) * this.b.rate >= this.b.burst) this.buckets.delete(k);
    // still full of busy clients: start afresh rather than grow without bound
    if (this.buckets.size >= this.maxEntries) this.buckets.clear();
  }
}

/** The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For hop; null in-process (app.request). */
export function clientAddress(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const hops = c.req.header('x-forwarded-for')?.split(',').map((h) => h.trim()).filter(Boolean);
    if (hops?.length) return hops[hops.length - 1]!;
  }
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

export function tooMany(c: Context, seconds: number, detail: string) {
  c.header('Retry-After', String(seconds));
  return problem(c, 429, ErrorCode.rateLimited, `${detail} Retry in ${seconds} s.`);
}

/** The limit middlewares of one app (one set of buckets). */
export function createLimits(limits: ApiLimits) {
  const byIp = new TokenBuckets(limits.perIp);
  const byKey = new TokenBuckets(limits.perKey);
  const authFailures = new TokenBuckets(limits.authFailuresPerIp);
  let largeInFlight = 0;

  return {
    /** Before authentication: the address's rate. */
    perAddress: createMiddleware<AppEnv>(async (c, next) => {
      const ip = clientAddress(c, limits.trustProxy);
      const wait = ip ? byIp.take(ip) : 0;
      if (wait) return tooMany(c, wait, `Over the rate limit of this address (${limits.perIp.rate}/s).`);
      await next();
    }),

    /**
     * Failed authentications per address: after too many, a key this process has not seen valid
     * is refused 429 without being looked up (guessing is slowed; a known key behind the same
     * address still passes). Returns the seconds to wait, 0 when the address may try.
     */
    authBlocked(c: Context): number {
      const ip = clientAddress(c, limits.trustProxy);
      return ip ? authFailures.wait(ip) : 0;
    },

    /** Counts a refused authentication against the address. */
    authFailed(c: Context) {
      const ip = clientAddress(c, limits.trustProxy);
      if (ip) authFailures.take(ip);
    },

    /** After authentication: the key's rate. */
    perKey: createMiddleware<AppEnv>(async (c, next) => {
      const wait = byKey.take(c.var.principal.keyId);
      if (wait) return tooMany(c, wait, `Over the rate limit of this API key (${limits.perKey.rate}/s).`);
      await next();
    }),

    /**
     * After authentication, before any body is read: a large body waits for no one — over the
     * cap it is refused at once (its sender retries), so memory stays bounded. `streamed`:
     * whether a body without Content-Length may be large on this route.
     */
    largeBodies: (streamed: (path: string) => boolean) =>
      createMiddleware<AppEnv>(async (c, next) => {
        const length = c.req.header('content-length');
        const chunked = length === undefined && /chunked/i.test(c.req.header('transfer-encoding') ?? '');
        const large = length !== undefined ? Number(length) > limits.largeBodyBytes : chunked && streamed(c.req.path);
        if (!large || limits.largeBodies <= 0) return next();
        if (largeInFlight >= limits.largeBodies) return tooMany(c, 1, `${limits.largeBodies} large request bodies are being read already.`);
        largeInFlight++;
        try {
          await next();
        } finally {
          largeInFlight--;
        }
      }),
  };
}
