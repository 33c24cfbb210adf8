/** The API process: REST API, carrier webhooks and TwiML. */
import { Client, Connection } from '@temporalio/client';
import type { CountryCode } from 'libphonenumber-js';
import { connect, migrateDb } from '../db/client';
import { TASK_QUEUE } from '../workflows/constants';
import { createApp } from './app';
import { bootstrap } from '../services/bootstrap';
import { isProduction, keyringOf, parseConfig } from '../services/config';
import { dataConverterOf } from '../services/payload-codec';
import { describeTemporalConnection, explainTemporalConnectError, temporalConnectionOptions } from '../services/temporal-connection';
import { apiConfigSchema, apiLimits } from './config';
import { listen } from '../services/listen';
import { startOutboxDispatcher } from '../services/outbox';
import { createLog, logConfigSchema, problemsTo } from '../services/log';
import { configureCampaignLabels } from '../services/metrics';
import { withRequestLog } from './request-log';

// the log first: a configuration error is logged in the shape asked for
const log = createLog('api', parseConfig(logConfigSchema, process.env));
import { classify, warmIntents } from '../services/intents';
import { startCrmDispatcher } from '../services/crm-deliveries';
import { warmDryRun } from '../services/dry-run';

async function main() {
  const cfg = parseConfig(apiConfigSchema, process.env);
  configureCampaignLabels({ max: cfg.REDIAL_METRICS_CAMPAIGN_LIMIT, allow: cfg.REDIAL_METRICS_CAMPAIGNS });
  const keyring = keyringOf(cfg);
  await migrateDb(cfg.DATABASE_URL);
  const { db, warm, close } = connect(cfg.DATABASE_URL, { max: 20 });
  // the pool's connections opened now, not by the first events and callbacks
  await warm();
  const lines = cfg.REDIAL_LINES ?? [];
  const { adminKey, generated } = await bootstrap(db, { adminKey: cfg.REDIAL_ADMIN_KEY, uiCodecKey: cfg.REDIAL_UI_CODEC_KEY, lines, keyring, production: isProduction(cfg) });
  const temporalOptions = temporalConnectionOptions(cfg);
  const connection = await Connection.connect(temporalOptions).catch(async (err: unknown) => {
    throw await explainTemporalConnectError(err, temporalOptions);
  });
  log.info(`Temporal: ${describeTemporalConnection(temporalOptions)}`);
  const temporal = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE, dataConverter: dataConverterOf(keyring) });
  const publicUrl = cfg.REDIAL_PUBLIC_URL ?? `http://127.0.0.1:${cfg.REDIAL_API_PORT}`;
  const problems = problemsTo(log);
  // trained before the first call is answered, so no turn waits for it
  warmIntents();
  // the dry run's replay threads started and their code compiled before the first dry run asks
  await warmDryRun().catch((err: Error) => log.warn(`dry run warm-up: ${err.message} (the first dry run starts its threads)`));
  const app = createApp({
    db,
    temporal,
    keyring,
    codecCorsOrigins: cfg.REDIAL_CODEC_CORS_ORIGINS,
    taskQueue: TASK_QUEUE,
    publicUrl,
    defaultRegion: cfg.REDIAL_DEFAULT_REGION as CountryCode,
    tenant: cfg.REDIAL_TENANT,
    log: problems,
    opsWebhookUrl: cfg.REDIAL_OPS_WEBHOOK_URL,
    metricsToken: cfg.REDIAL_METRICS_TOKEN,
    limits: apiLimits(cfg),
    classify,
    classifyBudgetMs: cfg.REDIAL_CLASSIFY_BUDGET_MS,
  });
  // outbound deliveries (the ops webhook) that waited, for a retry or a lockdown's release
  const outbox = await startOutboxDispatcher({ db, log: problems });
  // business outcomes to the campaigns' CRMs: a delivery workflow per queued row
  const crm = await startCrmDispatcher({ db, temporal, taskQueue: TASK_QUEUE, log: problems });
  const server = await listen(withRequestLog(app.fetch, log), cfg.REDIAL_API_PORT, cfg.REDIAL_API_HOST);
  // start scripts and tests wait for this line
  log.info(`listening on ${server.url} (docs ${server.url}/docs, spec ${server.url}/openapi.json, metrics ${server.url}/metrics)`);
  if (generated) log.info(`admin key, generated now and shown this once (keep it; set REDIAL_ADMIN_KEY to choose one): ${adminKey}`);
  const stop = async () => {
    await server.close();
    await outbox.stop();
    await crm.stop();
    await connection.close();
    await close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'failed to start');
  process.exit(1);
});
