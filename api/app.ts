/**
 * The one Hono app, used by production and tests alike: typed routes with OpenAPI 3.1, one
 * validation hook and one error handler, both answering problem+json.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { authenticate, scrapeToken } from './auth';
import { createLimits, defaultLimits } from './limits';
import type { AppDeps, AppEnv } from './context';
import { ErrorCode, problem, renderError, zodErrors } from './errors';
import { campaignsRoutes } from './routes/campaigns';
import { codecRoutes } from './routes/codec';
import { contactsRoutes } from './routes/contacts';
import { deliveriesRoutes } from './routes/deliveries';
import { docsRoutes } from './routes/docs';
import { dryRunRoutes } from './routes/dry-run';
import { exportsRoutes } from './routes/exports';
import { eventsRoutes } from './routes/events';
import { handoffsRoutes } from './routes/handoffs';
import { healthRoutes } from './routes/health';
import { IMPORT_MAX_BYTES, importRoutes } from './routes/import';
import { intentsRoutes } from './routes/intents';
import { keysRoutes } from './routes/keys';
import { lockdownRoutes } from './routes/lockdown';
import { metricsRoutes } from './routes/metrics';
import { linesRoutes } from './routes/lines';
import { operationsRoutes } from './routes/operations';
import { presetsRoutes } from './routes/presets';
import { sensitiveWordsRoutes } from './routes/sensitive-words';
import { reportsRoutes } from './routes/reports';
import { reportsPageRoutes } from './routes/reports-page';
import { twilioRoutes } from './routes/twilio';

/** JSON bodies above this are refused with 413 (imports have their own, larger limit). */
const JSON_LIMIT = 256 * 1024;

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return problem(c, 400, ErrorCode.validation, 'The request does not match the schema; see errors.', zodErrors(result.error));
      }
    },
  });

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.onError((err, c) => renderError(err, c, deps.log));
  app.notFound((c) => problem(c, 404, ErrorCode.notFound, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'An API key: rdl_…' });
  const isImport = (path: string) => path === '/v1/contacts/import';
  const limits = createLimits({ ...defaultLimits, ...deps.limits });
  // who asks comes first, what they send after: nothing reads a body before the key is checked,
  // so an anonymous client cannot make the API hold one (services/listen.ts discards what it
  // still sends, so it reads its 401)
  app.use('/v1/*', limits.perAddress);
  const keys = authenticate({ onFailure: (c) => limits.authFailed(c), blocked: (c) => limits.authBlocked(c) });
  app.use('/v1/*', keys);
  app.use('/metrics', limits.perAddress);
  app.use('/metrics', scrapeToken(deps.metricsToken, keys));
  app.use('/v1/*', limits.perKey);
  app.use('/v1/*', limits.largeBodies(isImport));
  const limit = (max: number) => bodyLimit({ maxSize: max, onError: (c) => problem(c, 413, ErrorCode.bodyTooLarge, `Bodies are limited to ${max} bytes here.`) });
  const jsonLimit = limit(JSON_LIMIT);
  const importLimit = limit(IMPORT_MAX_BYTES);
  app.use('/v1/*', (c, next) => (isImport(c.req.path) ? importLimit(c, next) : jsonLimit(c, next)));
  app.use('/v1/*', async (c, next) => {
    const type = c.req.header('content-type');
    const accepted = isImport(c.req.path) ? /^(application\/json|text\/csv)\b/i : /^application\/json\b/i;
    if (['POST', 'PUT', 'PATCH'].includes(c.req.method) && c.req.header('content-length') !== '0' && type !== undefined && !accepted.test(type)) {
      return problem(c, 415, ErrorCode.unsupportedMediaType, `Send application/json (got ${type}).`);
    }
    await next();
  });

  for (const routes of [healthRoutes, eventsRoutes, importRoutes, contactsRoutes, linesRoutes, campaignsRoutes, reportsRoutes, exportsRoutes, keysRoutes, operationsRoutes, lockdownRoutes, handoffsRoutes, deliveriesRoutes, intentsRoutes, presetsRoutes, sensitiveWordsRoutes, metricsRoutes, dryRunRoutes]) app.route('/', routes);
  app.route('/twilio', twilioRoutes);
  app.route('/codec', codecRoutes);
  app.route('/', docsRoutes);
  app.route('/', reportsPageRoutes);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Redial API', version: '1.0.0', description: 'Durable, compliant follow-up calling. Errors are application/problem+json with a stable `code`.' },
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
