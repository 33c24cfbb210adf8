/** `npm run sim`: the carrier simulator on its own (default port 4010). */
import { z } from 'zod';
import { listen } from '../api/listen';
import { simulatorAccounts } from './defaults';
import { createSim } from './server';

const env = z
  .object({
    SIM_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
    SIM_TIME_SCALE: z.coerce.number().positive().default(0.05),
    SIM_INBOUND_SMS_URL: z.string().url().optional(),
  })
  .parse(process.env);

async function main() {
  const sim = createSim({ accounts: simulatorAccounts, timeScale: env.SIM_TIME_SCALE, inboundSmsUrl: env.SIM_INBOUND_SMS_URL, log: console.error });
  const server = await listen(sim.app.fetch, env.SIM_PORT);
  console.log(`carrier simulator on ${server.url} (time scale ${env.SIM_TIME_SCALE})`);
  const stop = async () => {
    sim.close();
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
