/**
 * The whole system as parts that can be killed and started again, on free loopback ports: an
 * embedded PostgreSQL, a file-backed Temporal dev server (its history survives a restart), the
 * carrier simulator in this process, and the api and worker as child processes (kill -9 and
 * restart). Used by `npm run soak` and the kill and soak tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { newKey } from '../../../services/keys';
import { keyringOf } from '../../../services/config';
import { generateSecrets } from '../../../services/keyring';
import { listen, type Listening } from '../../../services/listen';
import { simulatorAccounts, simulatorLines } from '../../../sim/defaults';
import { createSim, type LineProfile, type Sim } from '../../../sim/server';
import { startChild, stopChild } from '../exec';
import { isPortFree } from '../ports';
import { startPostgres, type EmbeddedPostgres } from '../postgres';
import { startTemporalDevServer, type EmbeddedTemporal } from '../temporal';
import { root } from '../tools';

export interface ClusterOptions {
  /** A folder this cluster owns (PostgreSQL data, Temporal's file, process logs). */
  dataDir: string;
  /** Real seconds per simulated second on the carrier simulator. */
  timeScale: number;
  log: (m: string) => void;
  /** Register the maintenance and watchdog schedules (off: an incident hold would blur what a fault did). */
  schedules?: boolean;
  /** More environment for the api and worker (a log format, metrics ports). */
  env?: NodeJS.ProcessEnv;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A free port below the kernel's ephemeral range (32768+ on Linux). A part restarted on its port
 * must find it still free: a port the kernel hands out could meanwhile be taken by any outgoing
 * connection on the machine.
 */
async function stablePort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await isPortFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32000');
}

/** A child process (api or worker) that can be killed with SIGKILL and started again with the same environment. */
class Restartable {
  child: ChildProcess | null = null;
  starts = 0;
  constructor(
    readonly name: string,
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
    /** Resolves true once the process is serving; `since` is the log offset at spawn. */
    private readonly ready: (since: number) => Promise<boolean>,
  ) {}

  async start(timeoutMs = 120_000) {
    const since = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
    const out = fs.openSync(this.logFile, 'a');
    this.starts++;
    const child = startChild(this.name, process.execPath, ['--import', 'tsx', path.join(root, this.file)], { env: this.env, cwd: root, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.child = child;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited while starting; see ${this.logFile}`);
      if (await this.ready(since)) return;
      await sleep(200);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs / 1000} s; see ${this.logFile}`);
  }

  /** SIGKILL to the process group: no shutdown hook runs, in-flight work is cut where it stands. */
  async kill9() {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  }

  /** A clean stop (SIGTERM: the worker finishes its in-flight tasks). */
  async stop() {
    if (this.child) await stopChild(this.child, 20_000);
  }

  get running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }
}

const logHas = (file: string, since: number, text: string) => {
  if (!fs.existsSync(file)) return false;
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - since));
    fs.readSync(fd, buf, 0, buf.length, since);
    return buf.toString().includes(text);
  } finally {
    fs.closeSync(fd);
  }
};

export async function startCluster(opts: ClusterOptions) {
  const { dataDir, log } = opts;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL may run as another user
  const taken = new Set<number>();
  const [pgPort, temporalPort, uiPort, apiPort] = [await stablePort(taken), await stablePort(taken), await stablePort(taken), await stablePort(taken)];
  const stops: Array<() => Promise<void>> = [];
  let temporal: EmbeddedTemporal | null = null;
  let pg: EmbeddedPostgres | null = null;
  let simServer: Listening | null = null;
  const procs: Restartable[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await simServer?.close().catch(() => undefined);
    sim?.close();
    await temporal?.stop().catch((e: Error) => log(`temporal stop: ${e.message}`));
    await pg?.stop();
    for (const s of stops) await s();
  };
  let sim: Sim | null = null;
  try {
    // durable (fsync and synchronous commit on): a crash must not take back a commit it acknowledged
    pg = await startPostgres({ dataDir: path.join(dataDir, 'pg'), port: pgPort, database: 'redial', fast: false, log });
    const temporalFile = path.join(dataDir, 'temporal.db');
    // the server's own errors under faults (lost connections, timed-out writes) would drown the soak's output
    const startTemporal = () => startTemporalDevServer({ port: temporalPort, uiPort, dbFilename: temporalFile, log, serverLogLevel: 'never' });
    temporal = await startTemporal();
    const simLog = path.join(dataDir, 'sim.log');
    sim = createSim({ accounts: simulatorAccounts, timeScale: opts.timeScale, log: (m) => fs.appendFileSync(simLog, `${new Date().toISOString()} ${m}\n`) });
    simServer = await listen(sim.app.fetch, 0);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const adminKey = newKey();
    const env: NodeJS.ProcessEnv = {
      ...generateSecrets(),
      ...process.env,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      REDIAL_TENANT: 'default',
      REDIAL_API_PORT: String(apiPort),
      REDIAL_API_HOST: '127.0.0.1',
      REDIAL_PUBLIC_URL: apiUrl,
      REDIAL_ADMIN_KEY: adminKey,
      TWILIO_API_BASE_URL: simServer.url,
      REDIAL_LINES: JSON.stringify(simulatorLines),
      REDIAL_SCHEDULES: opts.schedules ? 'on' : 'off',
      REDIAL_DATA_DIR: path.join(dataDir, 'redial'),
      REDIAL_RECORDINGS_DIR: path.join(dataDir, 'redial', 'recordings'),
      REDIAL_BACKUP_DIRS: path.join(dataDir, 'redial', 'backups'),
      // a free one per worker start (the default 9464 may be another cluster's on this machine)
      REDIAL_WORKER_METRICS_PORT: '0',
      ...opts.env,
    };
    const apiLog = path.join(dataDir, 'api.log');
    const workerLog = path.join(dataDir, 'worker.log');
    // ours, and serving: its own log says it listens (another process on the port would not write there)
    const healthy = async (since: number) => logHas(apiLog, since, 'listening on') && (await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0)) === 200;
    const api = new Restartable('api', 'api/main.ts', env, apiLog, healthy);
    // the worker says so once it polls its task queue (after bundling its workflows)
    const worker = new Restartable('worker', 'worker/main.ts', env, workerLog, async (since) => logHas(workerLog, since, 'polling task queue'));
    procs.push(api, worker);
    await api.start();
    await worker.start();
    const theSim = sim;
    const pgHandle = pg;
    const setAllLines = (p: Partial<LineProfile>) => {
      for (const l of simulatorLines) theSim.setProfile(l.fromNumber, p);
    };
    return {
      apiUrl,
      adminKey,
      /** The keyring the api and worker run with: names cadences, decrypts their payloads. */
      keyring: keyringOf({ REDIAL_DATA_KEYS: env.REDIAL_DATA_KEYS!, REDIAL_HASH_SECRET: env.REDIAL_HASH_SECRET! }),
      sim: theSim,
      simUrl: simServer.url,
      databaseUrl: pg.url,
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      dataDir,
      api,
      worker,
      setAllLines,
      /** Stops the Temporal dev server, keeps it down `downMs`, and starts it again on the same file and port. */
      async restartTemporal(downMs: number) {
        await temporal?.stop();
        temporal = null;
        await sleep(downMs);
        temporal = await startTemporal();
      },
      /** PostgreSQL crashes (immediate stop), stays down `downMs`, and starts again with its data. */
      restartPostgres: (downMs: number) => pgHandle.restart('immediate', downMs),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;
