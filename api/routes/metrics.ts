/**
 * Prometheus metrics (services/metrics.ts), for a scraper. Behind the API's keys like the reports
 * (a viewer key reads it), or the scrape token REDIAL_METRICS_TOKEN (api/auth.ts `scrapeToken`),
 * which a Prometheus configuration can hold without a key in the database: the api port is the
 * one the proxy publishes, and traffic per campaign and line is the business's own. Open during
 * a lockdown: no personal data is in it.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { metricsText, refreshStateGauges } from '../../services/metrics';
import type { AppEnv } from '../context';
import { apiRoute } from './define';

const route = apiRoute(
  'observability',
  'viewer',
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics: dials, refusals, SMS, opt-outs, latencies, line health, inbox, incidents, maintenance (viewer key or REDIAL_METRICS_TOKEN)',
    responses: {
      200: { description: 'The Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
    },
  },
  { lockdown: 'open' },
);

export const metricsRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  await refreshStateGauges(c.var.deps.db);
  const { text, contentType } = await metricsText();
  return c.body(text, 200, { 'content-type': contentType }) as never;
});
