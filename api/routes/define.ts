/**
 * One helper for the metadata every authenticated route shares: its tag, the bearer security
 * scheme, the role it needs, what a lockdown does to it, and the standard problem responses (400,
 * 401, 403, 429, 503). A route adds only what is its own: path, operationId, summary, request, its
 * success and specific errors.
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { requireRole, suspendDuringLockdown } from '../auth';
import type { Role } from '../context';
import { problemResponse } from '../errors';

export const standardErrors = {
  400: problemResponse('Invalid request'),
  401: problemResponse('Missing or invalid API key'),
  403: problemResponse('Role too low (`forbidden`), or the key is suspended by a lockdown (`key_suspended`)'),
  429: problemResponse('Over a rate limit (`rate_limited`): retry after the Retry-After header (seconds)'),
  503: problemResponse('PostgreSQL is unreachable: nothing was accepted; retry after the Retry-After header (seconds)'),
};

type Own = Omit<RouteConfig, 'tags' | 'security' | 'middleware'>;

export interface RouteOptions {
  /**
   * During a lockdown keys other than admin are suspended from every route but the `open` ones:
   * what must not be lost (event ingestion, opt-outs).
   */
  lockdown?: 'open';
}

export function apiRoute<R extends Own>(tag: string, role: Role, r: R, opts: RouteOptions = {}) {
  return createRoute({
    ...r,
    tags: [tag],
    middleware: [requireRole(role), suspendDuringLockdown(opts.lockdown === 'open')] as const,
    security: [{ bearer: [] }],
    responses: { ...standardErrors, ...r.responses } as typeof standardErrors & R['responses'],
  });
}

/** A JSON request body / response entry. */
export const jsonBody = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
export const jsonResponse = <T>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });
