/** API keys (admin): create (the key is shown once), list, revoke. Stored as SHA-256 hashes. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { audit } from '../../db/queries/audit';
import { apiKeys } from '../../db/schema';
import { ensureKey, newKey, requireRole } from '../auth';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse } from '../errors';

const role = z.enum(['viewer', 'operator', 'admin']);
const keyView = z
  .object({ id: z.string(), name: z.string(), role, createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() })
  .openapi('ApiKey');
const view = (k: typeof apiKeys.$inferSelect) => ({
  id: k.id,
  name: k.name,
  role: k.role as z.infer<typeof role>,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});
const errs = { 400: problemResponse('Invalid request'), 401: problemResponse('Missing or invalid API key'), 403: problemResponse('Role too low') };
const common = { tags: ['keys'], middleware: [requireRole('admin')], security: [{ bearer: [] }] };

export const keysRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      ...common,
      method: 'post',
      path: '/v1/keys',
      operationId: 'createApiKey',
      summary: 'Create an API key (admin); the key is in this response only',
      request: { body: { required: true, content: { 'application/json': { schema: z.strictObject({ name: z.string().min(1).max(100), role }).openapi('NewApiKey') } } } },
      responses: { 201: { description: 'Created', content: { 'application/json': { schema: keyView.extend({ key: z.string() }) } } }, ...errs },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const body = c.req.valid('json');
      const key = newKey();
      const id = await ensureKey(db, key, body.role, body.name);
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
      await audit(db, { actor: c.var.principal.keyId, action: 'key.create', target: id, after: view(row!) });
      return c.json({ ...view(row!), key }, 201);
    },
  )
  .openapi(
    createRoute({
      ...common,
      method: 'get',
      path: '/v1/keys',
      operationId: 'listApiKeys',
      summary: 'API keys and their roles (admin; never the keys themselves)',
      responses: { 200: { description: 'Keys', content: { 'application/json': { schema: z.object({ keys: z.array(keyView) }) } } }, ...errs },
    }),
    async (c) => c.json({ keys: (await c.var.deps.db.select().from(apiKeys).orderBy(apiKeys.createdAt)).map(view) }, 200),
  )
  .openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: '/v1/keys/{id}',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key (admin); effective within 10 s everywhere',
      request: { params: z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: { 200: { description: 'Revoked', content: { 'application/json': { schema: keyView } } }, ...errs, 404: problemResponse('No such key'), 409: problemResponse('You cannot revoke the key you are using') },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const { id } = c.req.valid('param');
      if (id === c.var.principal.keyId) throw new ApiError(409, ErrorCode.conflict, 'Revoke this key with another admin key, so an admin key always remains.');
      const [row] = await db.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
      const current = row ?? (await db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0];
      if (!current) throw new ApiError(404, ErrorCode.notFound, 'No API key with this id.');
      if (row) await audit(db, { actor: c.var.principal.keyId, action: 'key.revoke', target: id });
      return c.json(view(current), 200);
    },
  );
