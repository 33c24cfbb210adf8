/**
 * The reports page at /reports: a static page and its script (api/reports-page/), and Chart.js
 * from the installed chart.js package (no CDN, so it works on an offline network). The page holds
 * no data: it asks for an API key, keeps it in the tab's sessionStorage, and reads the /v1 report
 * and timeline routes with it like any client (a viewer key is enough).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../context';

const page = path.join(__dirname, '..', 'reports-page');
const chartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
const assets: Record<string, { file: string; type: string }> = {
  'reports.js': { file: path.join(page, 'reports.js'), type: 'application/javascript; charset=utf-8' },
  'chart.umd.min.js': { file: chartJs, type: 'application/javascript; charset=utf-8' },
};
const cache = new Map<string, Buffer>();
const read = (file: string) => {
  let body = cache.get(file);
  if (!body) cache.set(file, (body = fs.readFileSync(file)));
  return new Uint8Array(body);
};

/** Only our own script and Chart.js run on the page, and it talks to this API alone. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const reportsPageRoutes = new Hono<AppEnv>()
  .get('/reports', (c) =>
    c.body(read(path.join(page, 'index.html')), 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' }),
  )
  .get('/reports/assets/:file', (c) => {
    const a = assets[c.req.param('file')];
    if (!a) return c.notFound();
    return c.body(read(a.file), 200, { 'content-type': a.type, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
  });
