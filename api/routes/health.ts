/**
 * The health check, for monitors and load balancers: no auth (so not an apiRoute), and a 503 that
 * still carries the report, so a monitor reads which part is down.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ping } from '../../db/queries/operations';
import type { AppEnv } from '../context';

const component = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const healthSchema = z.object({ status: z.enum(['ok', 'degraded']), postgres: component, temporal: component }).openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['health'],
  summary: 'State of PostgreSQL and Temporal (no auth)',
  responses: {
    200: { description: 'Both reachable', content: { 'application/json': { schema: healthSchema } } },
    503: { description: 'One of them is down', content: { 'application/json': { schema: healthSchema } } },
  },
});

/** A probe that cannot hang the health check: each dependency gets 2 s. */
async function probe(fn: () => Promise<unknown>): Promise<z.infer<typeof component>> {
  const start = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 2s')), 2000).unref())]);
    return { ok: true, latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - start), error: (err as Error).message.split('\n')[0] };
  }
}

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { db, temporal } = c.var.deps;
  const [postgres, tmprl] = await Promise.all([
    probe(() => ping(db)),
    probe(() => temporal.workflowService.getSystemInfo({})),
  ]);
  const ok = postgres.ok && tmprl.ok;
  return c.json({ status: ok ? 'ok' : 'degraded', postgres, temporal: tmprl } as const, ok ? 200 : 503);
});
