/**
 * The codec server (Temporal's remote-codec convention): `POST /codec/decode` and `/codec/encode`
 * take `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }` and answer the same shape, so
 * the Temporal Web UI and `temporal workflow show --codec-endpoint … --codec-auth "Bearer <key>"`
 * show clear text to operators while the server keeps ciphertext (services/payload-codec.ts).
 *
 * Callers present an API key with at least the operator role: as `Authorization: Bearer`, or —
 * for a Temporal UI that cannot send our header — in the path, `/codec/key/<key>/decode` (npm
 * start wires its dev UI this way with a dedicated operator key on loopback; in production put the
 * codec endpoint behind your SSO proxy or use the CLI with --codec-auth). Browsers get CORS for
 * the origins in REDIAL_CODEC_CORS_ORIGINS only.
 */
import { Hono, type Context } from 'hono';
import { createPayloadCodec } from '../../services/payload-codec';
import { findLiveKey } from '../../services/keys';
import type { Payload } from '@temporalio/common';
import type { AppEnv } from '../context';
import { ErrorCode, problem } from '../errors';

const MAX_BODY = 4 * 1024 * 1024;

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function cors(c: Context<AppEnv>) {
  const origin = c.req.header('origin');
  const allowed = c.var.deps.codecCorsOrigins ?? [];
  if (!origin || !allowed.includes(origin)) return;
  c.header('Access-Control-Allow-Origin', origin);
  c.header('Access-Control-Allow-Credentials', 'true');
  c.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
  c.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
  c.header('Vary', 'Origin');
}

async function handle(c: Context<AppEnv>, op: 'encode' | 'decode', key: string | undefined) {
  cors(c);
  const { db, keyring } = c.var.deps;
  if (!key) return problem(c, 401, ErrorCode.unauthenticated, 'Send an API key with the operator role as "Authorization: Bearer <key>".');
  const principal = await findLiveKey(db, keyring, key);
  if (!principal) return problem(c, 401, ErrorCode.unauthenticated, 'This API key is unknown or revoked.');
  if (principal.role === 'viewer') return problem(c, 403, ErrorCode.forbidden, 'Reading payloads in clear needs the operator role; your key has viewer.');
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY) return problem(c, 413, ErrorCode.bodyTooLarge, `Bodies are limited to ${MAX_BODY} bytes here.`);
  const body = (await c.req.json().catch(() => null)) as { payloads?: JsonPayload[] } | null;
  if (!body || !Array.isArray(body.payloads)) return problem(c, 400, ErrorCode.validation, 'Send {"payloads": [{"metadata": {…}, "data": "<base64>"}]}.');
  const codec = createPayloadCodec(keyring);
  try {
    const out = await codec[op](body.payloads.map(fromJson));
    return c.json({ payloads: out.map(toJson) });
  } catch (err) {
    return problem(c, 422, ErrorCode.validation, `These payloads cannot be ${op}d with this server's keys: ${(err as Error).message}`);
  }
}

const bearer = (c: Context<AppEnv>) => /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];

export const codecRoutes = new Hono<AppEnv>()
  .options('/*', (c) => {
    cors(c);
    return c.body(null, 204);
  })
  .post('/encode', (c) => handle(c, 'encode', bearer(c)))
  .post('/decode', (c) => handle(c, 'decode', bearer(c)))
  .post('/key/:key/encode', (c) => handle(c, 'encode', c.req.param('key')))
  .post('/key/:key/decode', (c) => handle(c, 'decode', c.req.param('key')));
