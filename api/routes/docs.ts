/**
 * Interactive API docs at /docs: Swagger UI served from the installed swagger-ui-dist package
 * (no CDN, so the docs work on an offline network too), reading /openapi.json. The API key typed
 * into "Authorize" lives in the page's memory only: persisting it would leave an admin key in the
 * browser's localStorage for any script of this origin, and for whoever uses the browser next.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../context';

const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const assets: Record<string, string> = { 'swagger-ui.css': 'text/css; charset=utf-8', 'swagger-ui-bundle.js': 'application/javascript; charset=utf-8' };
const cache = new Map<string, Buffer>();

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Redial API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>try { localStorage.removeItem('authorized'); } catch (e) {}
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: false });</script>
</body></html>`;

export const docsRoutes = new Hono<AppEnv>()
  .get('/docs', (c) => c.html(page, 200, { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }))
  .get('/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = assets[file];
    if (!type) return c.notFound();
    let body = cache.get(file);
    if (!body) cache.set(file, (body = fs.readFileSync(path.join(dist, file))));
    return c.body(new Uint8Array(body), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
