/** API keys (admin): create (the key is shown once), list, revoke. Stored as SHA-256 hashes. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { createKey, listKeys, revokeKey } from '../../services/keys';
import { ROLES } from '../../domain/vocabulary';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const role = z.enum(ROLES);
const keyView = z
  .object({ id: z.string(), name: z.string(), role, createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable(), expiresAt: z.string().nullable() })
  .openapi('ApiKey');

export const keysRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('keys', 'admin', {
      method: 'post',
      path: '/v1/keys',
      operationId: 'createApiKey',
      summary: 'Create an API key (admin); the key is in this response only',
      request: { body: jsonBody(z.strictObject({ name: z.string().min(1).max(100), role, expiresInDays: z.number().int().min(1).max(3650).optional().describe('the key stops working after this many days (none: until revoked)') }).openapi('NewApiKey')) },
      responses: { 201: jsonResponse('Created', keyView.extend({ key: z.string() })) },
    }),
    async (c) => c.json(await createKey(c.var.deps, { ...c.req.valid('json'), actor: c.var.principal.keyId }), 201),
  )
  .openapi(
    apiRoute('keys', 'admin', {
      method: 'get',
      path: '/v1/keys',
      operationId: 'listApiKeys',
      summary: 'API keys and their roles (admin; never the keys themselves)',
      responses: { 200: jsonResponse('Keys', z.object({ keys: z.array(keyView) })) },
    }),
    async (c) => c.json({ keys: await listKeys(c.var.deps) }, 200),
  )
  .openapi(
    apiRoute('keys', 'admin', {
      method: 'delete',
      path: '/v1/keys/{id}',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key (admin); effective within 10 s everywhere',
      request: { params: z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: { 200: jsonResponse('Revoked', keyView), 404: problemResponse('No such key'), 409: problemResponse('You cannot revoke the key you are using') },
    }),
    async (c) => c.json(await revokeKey(c.var.deps, { keyId: c.req.valid('param').id, actor: c.var.principal.keyId }), 200),
  );
