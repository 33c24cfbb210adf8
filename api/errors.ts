/**
 * The one error shape of the API: RFC 9457 problem+json with a stable `code` a client can switch
 * on. Codes are defined here and nowhere else.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { ServiceError, type ServiceErrorCode } from '../services/errors';

export const ErrorCode = {
  validation: 'validation_failed',
  malformedBody: 'malformed_body',
  unsupportedMediaType: 'unsupported_media_type',
  bodyTooLarge: 'body_too_large',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  /** A lockdown suspends keys other than admin (services/lockdown.ts). */
  keySuspended: 'key_suspended',
  /** A lockdown closes exports and bulk reads of personal data. */
  lockdown: 'lockdown',
  rateLimited: 'rate_limited',
  notFound: 'not_found',
  invalidPhone: 'invalid_phone',
  unknownCampaign: 'unknown_campaign',
  conflict: 'conflict',
  /** A strategy holds sensitive words: each one and where is in `errors`. */
  sensitiveWords: 'sensitive_words',
  importRejected: 'import_rejected',
  badSignature: 'bad_signature',
  unavailable: 'service_unavailable',
  internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof problemSchema>;

const titles: Record<ErrorCode, string> = {
  validation_failed: 'Request validation failed',
  malformed_body: 'Malformed request body',
  unsupported_media_type: 'Unsupported media type',
  body_too_large: 'Request body too large',
  unauthenticated: 'Missing or invalid API key',
  forbidden: 'Not allowed for this role',
  key_suspended: 'API key suspended by a lockdown',
  lockdown: 'Closed by a lockdown',
  rate_limited: 'Too many requests',
  not_found: 'Not found',
  invalid_phone: 'Invalid phone number',
  unknown_campaign: 'Unknown campaign',
  conflict: 'Conflict',
  sensitive_words: 'The strategy holds sensitive words',
  import_rejected: 'Import rejected: nothing was written',
  bad_signature: 'Invalid webhook signature',
  service_unavailable: 'Service unavailable',
  internal_error: 'Internal error',
};

/** Thrown anywhere in a handler; rendered by the app's one onError. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    detail: string,
    readonly errors?: Problem['errors'],
  ) {
    super(detail);
  }
}

/** `extra` carries RFC 9457 extension members (e.g. an import's report). */
export function problem(c: Context, status: ContentfulStatusCode, code: ErrorCode, detail: string, errors?: Problem['errors'], extra: Record<string, unknown> = {}) {
  const body = { type: `https://redial.dev/problems/${code}`, title: titles[code], status, code, detail, ...(errors ? { errors } : {}), ...extra };
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json' });
}

export function zodErrors(error: z.ZodError): NonNullable<Problem['errors']> {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

/**
 * PostgreSQL rejects some input that passes validation (a NUL byte in a string, a number out of
 * range): that is the caller's input, never a 500.
 */
const INPUT_SQLSTATES = new Set(['22021', '22P05', '22P02', '22001', '22003', '22007', '22008']);

function sqlState(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/**
 * PostgreSQL unreachable (refused, reset, timed out, shutting down, too many clients): every
 * route that needs it answers 503 with Retry-After, and nothing is accepted. Node's socket codes,
 * postgres.js's own, and the SQLSTATEs of a server going away or not yet up.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  '57P01', '57P02', '57P03', '53300',
]);

function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown; errors?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) return true;
    // a host with several addresses fails with an AggregateError of socket errors
    if (Array.isArray(e.errors) && e.errors.some(isConnectionError)) return true;
  }
  return false;
}

/** Seconds a client is told to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** The HTTP status of each use-case error: one table, so every route answers a code the same way. */
const serviceStatus: Record<ServiceErrorCode, ContentfulStatusCode> = {
  not_found: 404,
  unknown_campaign: 404,
  conflict: 409,
  invalid_phone: 422,
  validation_failed: 400,
  service_unavailable: 503,
  lockdown: 423,
  sensitive_words: 422,
};

export function renderError(err: unknown, c: Context, log: (m: string, e: unknown) => void) {
  if (err instanceof ApiError) return problem(c, err.status, err.code, err.message, err.errors);
  if (err instanceof ServiceError) {
    if (serviceStatus[err.code] === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return problem(c, serviceStatus[err.code], err.code, err.message, err.errors);
  }
  if (isConnectionError(err)) {
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return problem(c, 503, ErrorCode.unavailable, `The database cannot be reached right now; nothing was accepted. Retry in ${RETRY_AFTER_SECONDS} s.`);
  }
  const state = sqlState(err);
  if (state && INPUT_SQLSTATES.has(state)) return problem(c, 400, ErrorCode.malformedBody, 'The request holds a value that cannot be stored (e.g. a NUL character or a number out of range).');
  if (err instanceof HTTPException) {
    if (err.status === 413) return problem(c, 413, ErrorCode.bodyTooLarge, 'The request body exceeds the limit for this route.');
    if (err.status === 415) return problem(c, 415, ErrorCode.unsupportedMediaType, err.message);
    if (err.status < 500) return problem(c, err.status, ErrorCode.malformedBody, err.message || 'Malformed request.');
  }
  log('unhandled error', err);
  return problem(c, 500, ErrorCode.internal, 'Something went wrong on our side; it has been logged.');
}

/** Shared OpenAPI response entries for errors. */
export const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });
