/** The worker process: runs Redial's workflows (cadences, bulk operations) and their activities. */
import v8 from 'node:v8';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createCarrier } from '../activities/carrier';
import { keyringOf, parseConfig } from '../services/config';
import { dataConverterOf } from '../services/payload-codec';
import { describeTemporalConnection, explainTemporalConnectError, temporalConnectionOptions } from '../services/temporal-connection';
import { connect } from '../db/client';
import { incidentPolicy, maintenanceConfig, workerConfigSchema } from './config';
import { ensureSchedules } from '../services/schedules';
import { createWorker } from './create';
import { installRuntime, serveWorkerMetrics } from './metrics';
import { createLog, logConfigSchema, problemsTo } from '../services/log';
import { startInboxDispatcher } from '../services/inbox';
import { configureCampaignLabels } from '../services/metrics';

// the log first: a configuration error is logged in the shape asked for
const log = createLog('worker', parseConfig(logConfigSchema, process.env));

async function main() {
  const cfg = parseConfig(workerConfigSchema, process.env);
  configureCampaignLabels({ max: cfg.REDIAL_METRICS_CAMPAIGN_LIMIT, allow: cfg.REDIAL_METRICS_CAMPAIGNS });
  const metricsOn = cfg.REDIAL_WORKER_METRICS_PORT !== 'off';
  const sdkUrl = await installRuntime(log, { sdkMetrics: metricsOn });
  const maintenance = maintenanceConfig(cfg);
  const { db, warm, close } = connect(cfg.DATABASE_URL, { max: 20 });
  // the pool's connections opened now, not by the first cadences' gate and dial
  await warm();
  // one set of options (TLS, API key) for every connection: services/temporal-connection.ts
  const temporalOptions = temporalConnectionOptions(cfg);
  const explain = async (err: unknown): Promise<never> => {
    throw await explainTemporalConnectError(err, temporalOptions);
  };
  const connection = await NativeConnection.connect(temporalOptions).catch(explain);
  // the inbox dispatcher and the bulk activities (import enrolment, campaign cancel) start and signal
  // cadences through a client on the same native (Rust) connection: no gRPC stack in JavaScript
  const keyring = keyringOf(cfg);
  // read when the workflow thread's isolate is created (by createWorker below); this thread's heap is already set
  v8.setFlagsFromString(`--max-old-space-size=${cfg.REDIAL_WORKER_WORKFLOW_HEAP_MB}`);
  const temporal = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE, dataConverter: dataConverterOf(keyring) });
  const worker = await createWorker({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    maxCachedWorkflows: cfg.REDIAL_WORKER_MAX_CACHED_WORKFLOWS,
    stickyTimeoutSeconds: cfg.REDIAL_WORKER_STICKY_TIMEOUT_SECONDS,
    ...(cfg.REDIAL_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: cfg.REDIAL_WORKFLOW_BUNDLE } } : {}),
    deps: {
      db,
      keyring,
      carrier: createCarrier({ apiBaseUrl: cfg.TWILIO_API_BASE_URL, keyring }),
      clock: () => Date.now(),
      publicUrl: cfg.REDIAL_PUBLIC_URL,
      maxCallsPerPersonPerDay: cfg.REDIAL_MAX_CALLS_PER_PERSON_PER_DAY,
      deadlineAlert: { misses: cfg.REDIAL_DEADLINE_ALERT_MISSES, windowMs: 60 * 60_000 },
      temporal,
      opsWebhookUrl: cfg.REDIAL_OPS_WEBHOOK_URL,
      maintenance,
    },
  });
  const metrics =
    cfg.REDIAL_WORKER_METRICS_PORT === 'off'
      ? null
      : await serveWorkerMetrics(log, { port: cfg.REDIAL_WORKER_METRICS_PORT, host: cfg.REDIAL_WORKER_METRICS_HOST, sdkUrl, volumes: { data: maintenance.dataDir, recordings: maintenance.recordingsDir } });
  if (cfg.REDIAL_SCHEDULES === 'on') {
    const ids = await ensureSchedules(temporal, { taskQueue: worker.options.taskQueue, timeZone: cfg.REDIAL_MAINTENANCE_TIME_ZONE, policy: incidentPolicy(cfg) });
    log.info(`schedules: ${ids.join(', ')}`);
  }
  // accepted events go from the inbox to their cadences: here, off the API's request path (every
  // worker runs one; they share the work)
  const inbox = await startInboxDispatcher({ db, temporal, taskQueue: worker.options.taskQueue, keyring, log: problemsTo(log) });
  // start scripts and tests wait for this line
  log.info(`polling task queue "${worker.options.taskQueue}" on ${describeTemporalConnection(temporalOptions)}`);
  // worker.run() resolves after SIGINT/SIGTERM (the SDK's default shutdown signals) once in-flight work is done
  await worker.run();
  await inbox.stop();
  await metrics?.close();
  await connection.close();
  await close();
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'failed');
  process.exit(1);
});
