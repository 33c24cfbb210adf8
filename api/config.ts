/** The API process's configuration (see services/config.ts for the shared parts). */
import { z } from 'zod';
import { isSimulatorAccount } from '../domain/vocabulary';
import { DEFAULT_CLASSIFY_BUDGET_MS } from '../services/call-script';
import { baseConfigSchema, isProduction, linesFromJson } from '../services/config';
import { defaultLimits, type ApiLimits } from './limits';

const perSecond = (d: number) => z.coerce.number().min(0).default(d);

export const apiConfigSchema = baseConfigSchema
  .extend({
    REDIAL_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    REDIAL_API_HOST: z.string().default('127.0.0.1'),
    /** Where the carrier reaches the webhooks; signatures are checked against it (set it behind a proxy). */
    REDIAL_PUBLIC_URL: z.string().url().optional(),
    REDIAL_ADMIN_KEY: z.string().min(16).optional(),
    /** An operator key for the Temporal Web UI's codec requests (npm start sets it; see api/routes/codec.ts). */
    REDIAL_UI_CODEC_KEY: z.string().min(16).optional(),
    REDIAL_DEFAULT_REGION: z.string().length(2).default('CN'),
    /** JSON array of lines to register at start (id, accountSid, authToken, fromNumber, tier, cps); the start script passes the simulator's. */
    REDIAL_LINES: linesFromJson,
    /** Comma-separated browser origins (the Temporal Web UI) allowed to call the codec server at /codec. */
    REDIAL_CODEC_CORS_ORIGINS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean)),
    /** Requests per second per API key, and the burst a quiet key may send at once (0: no limit). */
    REDIAL_RATE_PER_KEY: perSecond(defaultLimits.perKey.rate),
    REDIAL_RATE_PER_KEY_BURST: perSecond(defaultLimits.perKey.burst),
    /** Requests per second per client address (every request, before authentication). */
    REDIAL_RATE_PER_IP: perSecond(defaultLimits.perIp.rate),
    REDIAL_RATE_PER_IP_BURST: perSecond(defaultLimits.perIp.burst),
    /** Failed authentications per second per address, and their burst: beyond, 429 without looking. */
    REDIAL_RATE_AUTH_FAILURES_PER_IP: perSecond(defaultLimits.authFailuresPerIp.rate),
    REDIAL_RATE_AUTH_FAILURES_PER_IP_BURST: perSecond(defaultLimits.authFailuresPerIp.burst),
    /** Bodies above this size are large; at most REDIAL_LARGE_BODIES of them are read at once (0: no cap). */
    REDIAL_LARGE_BODY_BYTES: z.coerce.number().int().min(1).default(defaultLimits.largeBodyBytes),
    REDIAL_LARGE_BODIES: z.coerce.number().int().min(0).default(defaultLimits.largeBodies),
    /** Alerts the API raises (an admin closing a line, the opt-out playbook) are POSTed here, as the worker's are. */
    REDIAL_OPS_WEBHOOK_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
    /** A call turn whose classification takes longer than this many ms falls back to the key menu (services/call-script.ts). */
    REDIAL_CLASSIFY_BUDGET_MS: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_CLASSIFY_BUDGET_MS),
    /** Behind a reverse proxy: the client address is the last X-Forwarded-For hop. */
    REDIAL_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  })
  .superRefine((cfg, ctx) => {
    // the simulator's lines have public tokens: in production they would accept forged webhooks
    const sim = (cfg.REDIAL_LINES ?? []).filter((l) => isSimulatorAccount(l.accountSid));
    if (isProduction(cfg) && sim.length)
      ctx.addIssue({ code: 'custom', path: ['REDIAL_LINES'], message: `the simulator's lines (${sim.map((l) => l.id).join(', ')}) are refused in production (REDIAL_ENV/NODE_ENV=production): their auth tokens are public` });
  });
export type ApiConfig = z.infer<typeof apiConfigSchema>;

export function apiLimits(cfg: ApiConfig): ApiLimits {
  return {
    perKey: { rate: cfg.REDIAL_RATE_PER_KEY, burst: cfg.REDIAL_RATE_PER_KEY_BURST },
    perIp: { rate: cfg.REDIAL_RATE_PER_IP, burst: cfg.REDIAL_RATE_PER_IP_BURST },
    authFailuresPerIp: { rate: cfg.REDIAL_RATE_AUTH_FAILURES_PER_IP, burst: cfg.REDIAL_RATE_AUTH_FAILURES_PER_IP_BURST },
    largeBodyBytes: cfg.REDIAL_LARGE_BODY_BYTES,
    largeBodies: cfg.REDIAL_LARGE_BODIES,
    trustProxy: cfg.REDIAL_TRUST_PROXY === 'true',
  };
}
