/**
 * A local web server for the link check, reached through the name `links.test` (the probe's
 * `hosts` override, which only code can set): pages that answer, are gone, redirect, loop, or
 * are slow.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { useHarness } from './env';

export const LINK_HOST = 'links.test';
/** What the tests give the link probe: `links.test` is this machine; a slow page times out after 1.5 s. */
export const testLinkProbe = { hosts: { [LINK_HOST]: '127.0.0.1' }, timeoutMs: 1_500 };

export async function startLinkServer() {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    hits.push(u.pathname);
    const redirect = (to: string) => res.writeHead(302, { location: to }).end();
    if (u.pathname.startsWith('/ok')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<p>book your class</p>');
    if (u.pathname === '/moved') return redirect('/ok/after-redirect');
    if (u.pathname === '/loop-a') return redirect('/loop-b');
    if (u.pathname === '/loop-b') return redirect('/loop-a');
    if (u.pathname.startsWith('/delay/')) {
      const ms = Number(u.pathname.split('/')[2]);
      const t = setTimeout(() => res.writeHead(200).end('late'), ms);
      res.on('close', () => clearTimeout(t));
      return;
    }
    res.writeHead(404).end('gone');
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hits,
    /** A URL of this server by its test name. */
    url: (path: string) => `http://${LINK_HOST}:${port}${path}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

export const useLinkServer = () => useHarness(startLinkServer, (s) => s.close());
