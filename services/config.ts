/**
 * Configuration shared by every entrypoint: one zod schema per process (api/config.ts,
 * worker/config.ts) built on these parts, parsed once at start, failing fast with a message that
 * names the variable. Nothing reads process.env deeper in the code.
 */
import { z } from 'zod';
import { ACCOUNT_SID, ACCOUNT_SID_HINT, E164, E164_HINT, LINE_TIERS } from '../domain/vocabulary';
import { temporalConfigShape } from './temporal-connection';

/**
 * Where every process finds PostgreSQL and Temporal (TLS and API key: services/temporal-connection.ts),
 * whose data it serves, and whether it runs in production.
 */
export const baseConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  ...temporalConfigShape,
  REDIAL_TENANT: z.string().default('default'),
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
  authToken: z.string().min(8),
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
