/**
 * The HTTP client of the link check: DNS, then a GET whose status and redirect chain are
 * followed by hand, all under one deadline. Links are the business's (a strategy admin types
 * them), so the probe never reaches a private, loopback or link-local address and connects to
 * the address it resolved (no second lookup an attacker's DNS could answer differently). Only
 * code can set `hosts` — tests point a name at their local server with it; no configuration
 * variable or API route reaches it.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

export interface LinkProbeConfig {
  /** The whole check of one link, redirects included. */
  timeoutMs: number;
  maxRedirects: number;
  /** Links checked at once. */
  concurrency: number;
  /** Tests only: host name → address, instead of DNS (the address may then be private). */
  hosts?: Record<string, string>;
}

export const defaultLinkProbe: LinkProbeConfig = { timeoutMs: 5_000, maxRedirects: 5, concurrency: 50 };

export interface LinkResult {
  url: string;
  ok: boolean;
  /** Why the link is dead; null when it answers 2xx. */
  problem: string | null;
  httpStatus: number | null;
  chain: Array<{ url: string; status: number | null }>;
  ms: number;
}

/** Loopback, private, link-local, unspecified and unique-local addresses (IPv4 and IPv6). */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  const x = address.toLowerCase();
  return x === '::' || x === '::1' || x.startsWith('fc') || x.startsWith('fd') || x.startsWith('fe80');
}

class Dead extends Error {}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Dead(`timeout after ${what}`)), Math.max(0, ms))))]).finally(() => clearTimeout(timer));
}

async function resolve(cfg: LinkProbeConfig, host: string, msLeft: number): Promise<{ address: string; family: number }> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const pinned = cfg.hosts?.[bare];
  if (pinned) return { address: pinned, family: isIP(pinned) || 4 };
  const found = isIP(bare) ? { address: bare, family: isIP(bare) } : await withDeadline(lookup(bare), msLeft, 'DNS').catch((err: NodeJS.ErrnoException) => {
    throw err instanceof Dead ? err : new Dead(`dns: ${err.code ?? err.message}`);
  });
  if (isPrivateAddress(found.address)) throw new Dead('resolves to a private address');
  return found;
}

/** One hop: the status and Location of a GET (the body is not read). */
function get(url: URL, address: { address: string; family: number }, msLeft: number): Promise<{ status: number; location: string | null }> {
  return new Promise((resolveHop, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'GET',
        headers: { 'user-agent': 'Redial-LinkCheck/1', accept: '*/*' },
        // the address resolved above, whatever the name: nothing resolves it a second time
        lookup: ((_h: string, opts: { all?: boolean }, cb: (err: null, a: unknown, f?: number) => void) => (opts.all ? cb(null, [address]) : cb(null, address.address, address.family))) as unknown as LookupFunction,
        timeout: Math.max(1, msLeft),
      },
      (res) => {
        resolveHop({ status: res.statusCode ?? 0, location: typeof res.headers.location === 'string' ? res.headers.location : null });
        res.destroy();
      },
    );
    req.on('timeout', () => req.destroy(new Dead('timeout waiting for the server')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof Dead ? err : new Dead(`connect: ${err.code ?? err.message}`)));
    req.end();
  });
}

/** Checks one link: 2xx at the end of at most `maxRedirects` redirects, within `timeoutMs`. */
export async function probeLink(cfg: LinkProbeConfig, url: string): Promise<LinkResult> {
  const started = Date.now();
  const deadline = started + cfg.timeoutMs;
  const chain: LinkResult['chain'] = [];
  const done = (problem: string | null, httpStatus: number | null): LinkResult => ({ url, ok: problem === null, problem, httpStatus, chain, ms: Date.now() - started });
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return done('not a valid URL', null);
  }
  const seen = new Set<string>();
  try {
    for (;;) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') return done(`not http(s): ${current.protocol}`, null);
      if (seen.has(current.href)) return done('redirect loop', chain.at(-1)?.status ?? null);
      if (seen.size > cfg.maxRedirects) return done(`more than ${cfg.maxRedirects} redirects`, chain.at(-1)?.status ?? null);
      seen.add(current.href);
      const address = await resolve(cfg, current.hostname, deadline - Date.now());
      const hop = await withDeadline(get(current, address, deadline - Date.now()), deadline - Date.now(), `${cfg.timeoutMs} ms`);
      chain.push({ url: current.href, status: hop.status });
      if (hop.status >= 300 && hop.status < 400 && hop.location) {
        current = new URL(hop.location, current);
        continue;
      }
      return done(hop.status >= 200 && hop.status < 300 ? null : `http ${hop.status}`, hop.status);
    }
  } catch (err) {
    if (err instanceof Dead) return done(err.message.startsWith('timeout') ? `timeout after ${cfg.timeoutMs} ms` : err.message, null);
    throw err;
  }
}

/** Checks many links, `concurrency` at a time; results in the order given. */
export async function probeLinks(cfg: LinkProbeConfig, urls: string[]): Promise<LinkResult[]> {
  const out: LinkResult[] = new Array(urls.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(cfg.concurrency, urls.length) }, async () => {
    for (let i = next++; i < urls.length; i = next++) out[i] = await probeLink(cfg, urls[i]!);
  });
  await Promise.all(workers);
  return out;
}
