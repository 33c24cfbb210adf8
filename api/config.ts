/** The API's configuration: parsed once at start, failing fast with a message that names the variable. */
import { z } from 'zod';

const lineSchema = z.strictObject({
  id: z.string().min(1),
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex)'),
  authToken: z.string().min(8),
  fromNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, e.g. +14155550100'),
  tier: z.enum(['premium', 'standard', 'backup']),
  cps: z.number().int().min(1).max(1000),
});
export type LineConfig = z.infer<typeof lineSchema>;

export const apiConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  REDIAL_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  REDIAL_API_HOST: z.string().default('127.0.0.1'),
  /** Where the carrier reaches the webhooks; signatures are checked against it (set it behind a proxy). */
  REDIAL_PUBLIC_URL: z.string().url().optional(),
  REDIAL_ADMIN_KEY: z.string().min(16).optional(),
  REDIAL_DEFAULT_REGION: z.string().length(2).default('CN'),
  REDIAL_TENANT: z.string().default('default'),
  /** JSON array of lines to register at start (id, accountSid, authToken, fromNumber, tier, cps). */
  REDIAL_LINES: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      try {
        return z.array(lineSchema).parse(JSON.parse(s));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `REDIAL_LINES: ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;

export function parseConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const r = schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return r.data;
}
