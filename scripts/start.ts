/**
 * `npm start`: the whole system on its embedded defaults — PostgreSQL, the Temporal dev server with
 * its Web UI, the carrier simulator, the worker and the API — supervised: a part that exits on its
 * own is restarted with backoff while the others keep serving (scripts/lib/supervise.ts), and only
 * a crash loop stops everything. It runs until SIGINT, SIGTERM or SIGHUP (or the npm that ran it
 * ends), then stops everything it started. Any part configured from outside (DATABASE_URL,
 * TEMPORAL_ADDRESS, REDIAL_LINES for real Twilio) is used instead of starting it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newKey } from '../services/keys';
import { generateSecrets } from '../services/keyring';
import { preferredPort } from './lib/ports';
import { packageManagerAncestor, watchPid } from './lib/proc';
import { defaultDataDir } from './lib/stack';
import { Supervisor } from './lib/supervise';
import { root } from './lib/tools';
import { nodeUnit, postgresUnit, temporalUnit } from './lib/units';
import { lastPoll } from './lib/worker-health';
import { writeWorkflowBundle } from './lib/workflow-bundle';
import { parseConfig } from '../services/config';
import { temporalConfigSchema, temporalConnectionOptions } from '../services/temporal-connection';
import { simulatorLines } from '../sim/defaults';
import { redactSecrets } from '../domain/secrets';

const log = (m: string) => console.log(`[start] ${m}`);
const num = (v: string | undefined, d: number) => (v ? Number(v) : d);

const dataDir = path.resolve(process.env.REDIAL_DATA_DIR ?? defaultDataDir);
/** `<name>.pid` of each running part (and of this script), for operators and the tests. */
const pidDir = path.join(dataDir, 'run');
let stopping = false;
let supervisor: Supervisor | undefined;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  // the worker first (it finishes in-flight activities), then what it depends on
  await supervisor?.stopAll();
  fs.rmSync(path.join(pidDir, 'start.pid'), { force: true });
  log('stopped');
  process.exit(code);
}

/**
 * `npm start` runs us as npm → sh → tsx → node. npm forwards SIGTERM only to sh, which dies
 * without passing it on, so a SIGTERM to npm never reaches us: when npm ran us, npm ending is our
 * signal to stop. Nothing else is watched — a launcher that returns (a script, `nohup … &`, a
 * service manager) must not stop us. A terminal's Ctrl-C reaches us directly (the whole foreground
 * process group gets it); our children run in their own groups, so we stop them in order.
 */
function stopWithPackageManager() {
  const npm = packageManagerAncestor('scripts/start');
  if (!npm) return;
  void watchPid(npm.pid, 500).gone.then(() => {
    log(`npm (process ${npm.pid}) ended`);
    void shutdown(0);
  });
}

async function main() {
  fs.mkdirSync(dataDir, { recursive: true });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void shutdown(0));
  stopWithPackageManager();
  supervisor = new Supervisor({ log, pidDir, onGiveUp: () => void shutdown(1) });
  fs.writeFileSync(path.join(pidDir, 'start.pid'), `${process.pid}\n`);
  // bundled once, while the servers start; every start of the worker (and restart after a crash) reuses it
  const bundle = writeWorkflowBundle(path.join(dataDir, 'workflow-bundle.js'));
  bundle.catch(() => {}); // awaited below; a failure is reported there

  // PostgreSQL and the Temporal dev server are supervised too: they hold the state, and the api and
  // worker reconnect to a restarted one, so a crash of either costs seconds rather than the stack
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = postgresUnit({ dataDir: path.join(dataDir, 'pg'), port: num(process.env.REDIAL_PG_PORT, 5433), log });
    await supervisor.add(pg);
    databaseUrl = pg.url;
  }
  const apiPort = await preferredPort(num(process.env.REDIAL_API_PORT, 8080));
  const secrets = keptSecrets();
  // the dev Web UI reads payloads in clear through the API's codec server, with its own operator key
  const uiCodecKey = kept('ui-codec-key', newKey);
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let temporalUiUrl: string | undefined;
  if (!temporalAddress) {
    const uiCodecEndpoint = `http://127.0.0.1:${apiPort}/codec/key/${uiCodecKey.value}`;
    const t = temporalUnit({ port: num(process.env.REDIAL_TEMPORAL_PORT, 7233), uiPort: num(process.env.REDIAL_TEMPORAL_UI_PORT, 8233), dbFilename: path.join(dataDir, 'temporal.db'), uiCodecEndpoint, log });
    await supervisor.add(t);
    temporalAddress = t.address;
    temporalUiUrl = t.uiUrl;
  }
  if (stopping) return;

  const publicUrl = process.env.REDIAL_PUBLIC_URL ?? `http://127.0.0.1:${apiPort}`;
  const realTwilio = Boolean(process.env.REDIAL_LINES);
  const simPort = realTwilio ? undefined : await preferredPort(num(process.env.SIM_PORT, 4010));
  const simUrl = simPort ? `http://127.0.0.1:${simPort}` : undefined;

  // a generated admin key is kept with the embedded data (0600), so it survives restarts; it is
  // shown once, when it is created, and afterwards only its file
  const admin = process.env.REDIAL_ADMIN_KEY ? { value: process.env.REDIAL_ADMIN_KEY, file: null, created: false } : kept('admin-key', newKey);
  const adminKey = admin.value;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    REDIAL_PUBLIC_URL: publicUrl,
    REDIAL_API_PORT: String(apiPort),
    REDIAL_ADMIN_KEY: adminKey,
    ...secrets,
    REDIAL_UI_CODEC_KEY: uiCodecKey.value,
    ...(temporalUiUrl ? { REDIAL_CODEC_CORS_ORIGINS: [temporalUiUrl, temporalUiUrl.replace('127.0.0.1', 'localhost')].join(',') } : {}),
    ...(simUrl ? { REDIAL_LINES: JSON.stringify(simulatorLines), TWILIO_API_BASE_URL: simUrl, SIM_PORT: String(simPort), SIM_INBOUND_SMS_URL: `${publicUrl}/twilio/sms/inbound` } : {}),
  };
  if (simUrl) await supervisor.add(nodeUnit('sim', 'sim/main.ts', env));
  await supervisor.add(nodeUnit('api', 'api/main.ts', env));
  await waitFor(`http://127.0.0.1:${apiPort}/healthz`, 120_000);
  const worker = await supervisor.add(nodeUnit('worker', 'worker/main.ts', { ...env, REDIAL_WORKFLOW_BUNDLE: await bundle }));
  // "running" means an event sent now is dialled now: the worker is polling, not still starting
  if (worker?.pid) await untilPolling(env, worker.pid);
  if (stopping) return;

  console.log(`
  Redial is running.
    API            http://127.0.0.1:${apiPort}
    API docs       http://127.0.0.1:${apiPort}/docs   (spec: /openapi.json)
    Temporal UI    ${temporalUiUrl ?? '(external Temporal: ' + temporalAddress + ')'}
    Temporal       ${temporalAddress}
    Carrier        ${simUrl ? simUrl + '  (simulator; calls at ' + simUrl + '/sim/calls)' : 'Twilio (REDIAL_LINES)'}
    PostgreSQL     ${redactSecrets(databaseUrl)}
    Admin API key  ${admin.created ? `${adminKey}  (shown this once; kept in ${rel(admin.file!)})` : admin.file ? `in ${rel(admin.file)}` : 'REDIAL_ADMIN_KEY'}
    Process ids    ${pidDir.startsWith(root + path.sep) ? path.relative(root, pidDir) : pidDir}/*.pid

  Try:  curl -s -X POST http://127.0.0.1:${apiPort}/v1/events -H "authorization: Bearer ${admin.file ? `$(cat ${rel(admin.file)})` : '$REDIAL_ADMIN_KEY'}" \\
          -H 'content-type: application/json' -d '{"type":"lead.created","phone":"+14155550127","contact":{"timeZone":"UTC"}}'
  A part that crashes is restarted. Ctrl-C stops everything.
`);
}

/** Waits until Temporal has seen the worker (identity `<pid>@<host>`) poll the task queue; warns after 3 minutes. */
async function untilPolling(env: NodeJS.ProcessEnv, pid: number) {
  const cfg = parseConfig(temporalConfigSchema, env);
  const identity = `${pid}@${os.hostname()}`;
  const until = Date.now() + 180_000;
  while (!stopping && Date.now() < until) {
    const at = await lastPoll({ connection: temporalConnectionOptions(cfg), namespace: cfg.TEMPORAL_NAMESPACE, match: (id) => id === identity }).catch(() => undefined);
    if (at) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!stopping) log('the worker is not polling after 3 minutes; starting anyway (see its log above)');
}

const rel = (f: string) => (f.startsWith(root + path.sep) ? path.relative(root, f) : f);

/** A secret kept in the data folder (0600): read it, or create it on the first start. */
function kept(name: string, make: () => string): { value: string; file: string; created: boolean } {
  const file = path.join(dataDir, name);
  if (fs.existsSync(file)) return { value: fs.readFileSync(file, 'utf8').trim(), file, created: false };
  const value = make();
  fs.writeFileSync(file, value, { mode: 0o600 });
  return { value, file, created: true };
}

/**
 * The keyring's secrets (services/keyring.ts): from the environment when set, else generated on
 * the first start and kept (0600) with the embedded data — losing them loses every encrypted
 * payload and sealed line token, so back the data folder up with them.
 */
function keptSecrets(): { REDIAL_DATA_KEYS: string; REDIAL_HASH_SECRET: string } {
  if (process.env.REDIAL_DATA_KEYS && process.env.REDIAL_HASH_SECRET) return { REDIAL_DATA_KEYS: process.env.REDIAL_DATA_KEYS, REDIAL_HASH_SECRET: process.env.REDIAL_HASH_SECRET };
  const s = kept('secrets.json', () => JSON.stringify(generateSecrets()));
  return JSON.parse(s.value) as { REDIAL_DATA_KEYS: string; REDIAL_HASH_SECRET: string };
}

async function waitFor(url: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs / 1000}s`);
}

main().catch((err) => {
  console.error('[start] failed:', err);
  void shutdown(1);
});
