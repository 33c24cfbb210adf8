/** The worker process: runs cadence workflows and their activities. */
import { NativeConnection } from '@temporalio/worker';
import { createCarrier } from '../activities/carrier';
import { parseConfig } from '../api/config';
import { connect } from '../db/client';
import { workerConfigSchema } from './config';
import { createWorker } from './create';

async function main() {
  const cfg = parseConfig(workerConfigSchema, process.env);
  const { db, close } = connect(cfg.DATABASE_URL, { max: 20 });
  const connection = await NativeConnection.connect({ address: cfg.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    maxCachedWorkflows: cfg.REDIAL_WORKER_MAX_CACHED_WORKFLOWS,
    deps: { db, carrier: createCarrier({ apiBaseUrl: cfg.TWILIO_API_BASE_URL }), clock: () => Date.now(), publicUrl: cfg.REDIAL_PUBLIC_URL },
  });
  console.log(`[worker] polling task queue "${worker.options.taskQueue}" on ${cfg.TEMPORAL_ADDRESS}`);
  // worker.run() resolves after SIGINT/SIGTERM (the SDK's default shutdown signals) once in-flight work is done
  await worker.run();
  await connection.close();
  await close();
}

main().catch((err) => {
  console.error('[worker] failed:', err);
  process.exit(1);
});
