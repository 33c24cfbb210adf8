/** `npm run sim`: the carrier simulator on its own (default port 4010). */
import { z } from 'zod';
import { serve } from '@hono/node-server';
import { simulatorAccounts } from './defaults';
import { createSim } from './server';
import { createSimLog } from './log';

const env = z
  .object({
    SIM_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
    SIM_TIME_SCALE: z.coerce.number().positive().default(0.05),
    SIM_INBOUND_SMS_URL: z.string().url().optional(),
    /** How long a webhook answered 5xx, timed out or refused is retried (Twilio-like backoff). */
    SIM_WEBHOOK_RETRY_SECONDS: z.coerce.number().min(0).default(60),
    LOG_FORMAT: z.enum(['pretty', 'json']).default('pretty'),
    LOG_LEVEL: z.string().default('info'),
  })
  .parse(process.env);
const log = createSimLog(env);

async function main() {
  const sim = createSim({ accounts: simulatorAccounts, timeScale: env.SIM_TIME_SCALE, inboundSmsUrl: env.SIM_INBOUND_SMS_URL, webhookRetryWindowMs: env.SIM_WEBHOOK_RETRY_SECONDS * 1000, log: (m) => log.warn(m) });
  // the simulator stands alone: it shares no code with Redial, as a real carrier would not
  const server = serve({ fetch: sim.app.fetch, port: env.SIM_PORT, hostname: '127.0.0.1' }, (info) =>
    log.info(`carrier simulator on http://127.0.0.1:${info.port} (time scale ${env.SIM_TIME_SCALE})`),
  );
  const stop = () => {
    sim.close();
    server.close(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'failed to start');
  process.exit(1);
});
