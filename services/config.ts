/**
 * Configuration shared by every entrypoint: one zod schema per process (api/config.ts,
 * worker/config.ts) built on these parts, parsed once at start, failing fast with a message that
 * names the variable. Nothing reads process.env deeper in the code.
 */
import { z } from 'zod';
import { parseKeyring, type Keyring } from './keyring';
import { ACCOUNT_SID, ACCOUNT_SID_HINT, AUTH_TOKEN, AUTH_TOKEN_HINT, E164, E164_HINT, LINE_TIERS } from '../domain/vocabulary';
import { temporalConfigShape } from './temporal-connection';
import { logConfigShape } from './log';

/**
 * Where every process finds PostgreSQL and Temporal (TLS and API key: services/temporal-connection.ts),
 * whose data it serves, and whether it runs in production.
 */
export const baseConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  /**
   * Data keys, `id:base64,id:base64` (32-byte AES-256 keys): the first seals new Temporal payloads
   * and secrets at rest, the others still open what they sealed (rotation). services/keyring.ts.
   */
  REDIAL_DATA_KEYS: z.string().min(1, 'REDIAL_DATA_KEYS is required: "<key id>:<base64 32-byte key>" (npm start generates one)'),
  /** The secret behind keyed hashes (cadence workflow ids, API key hashes): 32+ bytes, base64 or hex; never rotated. */
  REDIAL_HASH_SECRET: z.string().min(1, 'REDIAL_HASH_SECRET is required: 32+ random bytes, base64 (npm start generates one)'),
  ...temporalConfigShape,
  REDIAL_TENANT: z.string().default('default'),
  ...logConfigShape,
  /**
   * The campaign label of the metrics (services/metrics.ts): at most this many campaigns per
   * process get their own series (the first seen), the rest count as "other"…
   */
  REDIAL_METRICS_CAMPAIGN_LIMIT: z.coerce.number().int().min(0).max(1000).default(50),
  /** …or exactly these (comma-separated ids), when set. */
  REDIAL_METRICS_CAMPAIGNS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean)),
  /**
   * production | development. Production refuses what is only safe on a developer's machine (the
   * simulator's lines, whose auth tokens are public). Default: production when NODE_ENV=production
   * (the Docker image sets it), else development.
   */
  REDIAL_ENV: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['production', 'development']).optional()),
  NODE_ENV: z.string().optional(),
});

/** Whether the process runs in production (REDIAL_ENV, else NODE_ENV). */
export const isProduction = (cfg: { REDIAL_ENV?: 'production' | 'development'; NODE_ENV?: string }) => (cfg.REDIAL_ENV ?? (cfg.NODE_ENV === 'production' ? 'production' : 'development')) === 'production';

/** One carrier line (a Twilio account and number) as configured in REDIAL_LINES. */
export const lineConfigSchema = z.strictObject({
  id: z.string().min(1),
  accountSid: z.string().regex(ACCOUNT_SID, ACCOUNT_SID_HINT),
  authToken: z.string().regex(AUTH_TOKEN, AUTH_TOKEN_HINT),
  fromNumber: z.string().regex(E164, E164_HINT),
  tier: z.enum(LINE_TIERS),
  cps: z.number().int().min(1).max(1000),
});
export type LineConfig = z.infer<typeof lineConfigSchema>;

/** REDIAL_LINES: a JSON array of lines, parsed and checked. */
export const linesFromJson = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (!s) return undefined;
    try {
      return z.array(lineConfigSchema).parse(JSON.parse(s));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `REDIAL_LINES: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

export function parseConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const r = schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return r.data;
}

/** The keyring from the parsed configuration (fails fast, naming the variable, never echoing a key). */
export function keyringOf(cfg: { REDIAL_DATA_KEYS: string; REDIAL_HASH_SECRET: string }): Keyring {
  return parseKeyring(cfg.REDIAL_DATA_KEYS, cfg.REDIAL_HASH_SECRET);
}
