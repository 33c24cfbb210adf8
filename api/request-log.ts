/**
 * Every request gets an id (the caller's X-Request-Id when it is a sane token, else a new one),
 * echoed in the response and carried by every log line written while it is served
 * (services/log.ts `withLogContext`); each request is logged once with its status and duration.
 * Probes (health checks, scrapes) are logged at debug: they come every few seconds.
 */
import { randomUUID } from 'node:crypto';
import { withLogContext, type Log } from '../services/log';

const SANE_ID = /^[\w.:-]{1,64}$/;
const PROBES = new Set(['/healthz', '/metrics']);

/** A path as it may be logged: the codec server's path carries an operator key. */
const loggable = (path: string) => path.replace(/^\/codec\/key\/[^/]+/, '/codec/key/…');

export function withRequestLog(fetch: (req: Request) => Response | Promise<Response>, log: Log) {
  return async (req: Request): Promise<Response> => {
    const given = req.headers.get('x-request-id');
    const reqId = given && SANE_ID.test(given) ? given : randomUUID();
    const started = performance.now();
    const path = new URL(req.url).pathname;
    const res = await withLogContext({ reqId }, () => fetch(req));
    const entry = { reqId, method: req.method, path: loggable(path), status: res.status, ms: Math.round((performance.now() - started) * 10) / 10 };
    if (PROBES.has(path) && res.status < 400) log.debug(entry, 'request');
    else log.info(entry, 'request');
    try {
      res.headers.set('x-request-id', reqId);
    } catch {
      // a response with immutable headers (a fetched one passed through) goes without it
    }
    return res;
  };
}
