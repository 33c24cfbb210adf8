/**
 * The whole system in one test process, on real parts: a fresh PostgreSQL database, the Temporal
 * dev server, a worker on its own task queue, the API on a free port, and the simulator reached
 * by the real `twilio` client. Each test gets its own tenant, so cadence ids never collide.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createCarrier } from '../../activities/carrier';
import { createApp } from '../../api/app';
import { newKey } from '../../services/keys';
import { bootstrap } from '../../services/bootstrap';
import { listen } from '../../services/listen';
import { simulatorLines } from '../../sim/defaults';
import { createSim } from '../../sim/server';
import { createWorker } from '../../worker/create';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultFailover, type FailoverPolicy } from '../../domain/failover';
import type { MaintenanceConfig } from '../../activities/maintenance';
import type { LinkProbeConfig } from '../../services/link-probe';
import { ensureSchedules } from '../../services/schedules';
import { startInboxDispatcher } from '../../services/inbox';
import { startOutboxDispatcher } from '../../services/outbox';
import { startCrmDispatcher } from '../../services/crm-deliveries';
import type { CrmRetryPolicy } from '../../domain/crm';
import { defaultIncidentPolicy, type IncidentPolicy } from '../../domain/incident';
import { freshDatabase, temporalAddress, uid, useHarness, workflowBundle, testKeyring } from './env';
import { recordHistories } from './record';
import { dataConverterOf } from '../../services/payload-codec';
import type { Classify } from '../../services/call-script';
import { classify as intentClassifier, warmIntents } from '../../services/intents';

let runtimeInstalled = false;
/** Workers log at WARN in tests: state changes at INFO drown the test output. */
export function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export async function startSystem(
  opts: { timeScale?: number; schedules?: boolean; opsWebhookUrl?: string; incidentPolicy?: Partial<IncidentPolicy>; failover?: Partial<FailoverPolicy>; maintenance?: Partial<MaintenanceConfig>; /** another Temporal server than the suite's (a test that stops it) */ temporalAddress?: string; deadlineAlert?: { misses: number; windowMs: number }; /** the gate's per-person daily ceiling (default 2) */ maxCallsPerPersonPerDay?: number; /** CRM deliveries' retry budget and backoff (default: domain/crm.ts) */ crmRetry?: CrmRetryPolicy; /** the API's classifier (default: the real one, services/intents.ts); a test injects a failing one */ classify?: Classify; /** where the link check connects */ linkProbe?: Partial<LinkProbeConfig> } = {},
) {
  quietRuntime();
  const id = uid();
  const tenant = `t${id}`;
  const taskQueue = `redial-test-${id}`;
  const database = await freshDatabase();
  const address = opts.temporalAddress ?? temporalAddress();
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, dataConverter: dataConverterOf(testKeyring()) });
  const nativeConnection = await NativeConnection.connect({ address });

  // the API must listen before it exists: its own URL is part of its configuration
  const late: { app?: ReturnType<typeof createApp> } = {};
  const api = await listen((req) => late.app!.fetch(req), 0);
  const sim = createSim({ accounts: simulatorLines.map((l) => ({ sid: l.accountSid, token: l.authToken })), timeScale: opts.timeScale ?? 0.002, inboundSmsUrl: `${api.url}/twilio/sms/inbound` });
  const simServer = await listen(sim.app.fetch, 0);
  const adminKey = newKey();
  await bootstrap(database.db, { keyring: testKeyring(), adminKey, lines: simulatorLines });
  const errors: unknown[] = [];
  // as api/main.ts does: the model is trained before the first call is answered, not during its first turn
  warmIntents();
  const app = (late.app = createApp({ keyring: testKeyring(),
    db: database.db,
    temporal,
    taskQueue,
    publicUrl: api.url,
    defaultRegion: 'CN',
    tenant,
    log: (m, e) => errors.push([m, e]),
    opsWebhookUrl: opts.opsWebhookUrl,
    schedulePrefix: `${taskQueue}-`,
    linkProbe: opts.linkProbe,
    classify: opts.classify ?? intentClassifier,
  }));
  const work = await mkdtemp(path.join(tmpdir(), 'redial-ops-'));
  const maintenance: MaintenanceConfig = {
    tenant,
    databaseUrl: database.url,
    dataDir: path.join(work, 'data'),
    recordingsDir: path.join(work, 'recordings'),
    backupTargets: [path.join(work, 'backups'), path.join(work, 'backups-copy')],
    backupKeep: 3,
    simUrl: simServer.url,
    selfCheckDtmfNumber: '+15005550104',
    selfCheckSmsNumber: '+15005550105',
    selfCheckTimeoutMs: 60_000,
    stressCallsPerHour: 3600,
    stressDurationMs: 5_000,
    recordingRetentionDays: 400,
    ...opts.maintenance,
  };
  const worker: Worker = await createWorker({
    connection: nativeConnection,
    taskQueue,
    deps: { keyring: testKeyring(), db: database.db, carrier: createCarrier({ keyring: testKeyring(), apiBaseUrl: simServer.url }), clock: () => Date.now(), publicUrl: api.url, temporal, taskQueue, opsWebhookUrl: opts.opsWebhookUrl, maintenance, failover: { ...defaultFailover, ...opts.failover }, deadlineAlert: opts.deadlineAlert, maxCallsPerPersonPerDay: opts.maxCallsPerPersonPerDay, linkProbe: opts.linkProbe },
    workflowBundle: workflowBundle(),
  });
  const running = worker.run();
  const inbox = await startInboxDispatcher({ keyring: testKeyring(), db: database.db, temporal, taskQueue, log: (m, e) => errors.push([m, e]) });
  const outbox = await startOutboxDispatcher({ db: database.db, log: (m, e) => errors.push([m, e]) });
  const crm = await startCrmDispatcher({ db: database.db, temporal, taskQueue, retry: opts.crmRetry, log: (m, e) => errors.push([m, e]) });
  const policy: IncidentPolicy = { ...defaultIncidentPolicy, ...opts.incidentPolicy };
  const schedules = opts.schedules ? await ensureSchedules(temporal, { taskQueue, timeZone: 'UTC', policy, idPrefix: `${taskQueue}-` }) : [];

  /** Calls the API as the admin (or with the given key). */
  const call = (method: string, path: string, body?: unknown, key: string | null = adminKey) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  return {
    tenant,
    taskQueue,
    db: database.db,
    sql: database.sql,
    temporal,
    sim,
    simUrl: simServer.url,
    apiUrl: api.url,
    adminKey,
    app,
    policy,
    schedules,
    maintenance,
    /** Errors the API (and its inbox dispatcher) logged (a test can assert there were none). */
    errors,
    /** The API's inbox dispatcher (a test may stop it and run its own). */
    inbox,
    call,
    async stop() {
      if (process.env.REDIAL_RECORD_HISTORIES) {
        const ids: string[] = [];
        for await (const w of temporal.workflow.list({ query: `TaskQueue="${taskQueue}"` })) ids.push(w.workflowId);
        await recordHistories(temporal, ids);
      }
      for (const id of schedules) await temporal.schedule.getHandle(id).delete().catch(() => undefined);
      await inbox.stop();
      await outbox.stop();
      await crm.stop();
      worker.shutdown();
      await running;
      sim.close();
      await Promise.all([api.close(), simServer.close()]);
      await nativeConnection.close();
      await connection.close();
      await database.close();
    },
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;

/** The whole system for this test file: started before its tests, stopped after. */
export const useSystem = (opts: Parameters<typeof startSystem>[0] = {}) => useHarness(() => startSystem(opts), (sys) => sys.stop());

/** A stand-in for ops' alert receiver: a local HTTP endpoint that keeps what it is sent. */
export async function opsWebhook() {
  const received: Array<{ kind: string; severity: string; message: string }> = [];
  const server = await listen(async (req) => {
    received.push((await req.json()) as never);
    return new Response(null, { status: 204 });
  }, 0);
  return { url: `${server.url}/ops`, received, close: () => server.close() };
}

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
