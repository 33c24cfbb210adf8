import { TestWorkflowEnvironment } from '@temporalio/testing';
import { cadenceSearchAttributes } from '../../workflows/search-attributes';
import { freePort, isPortFree } from './ports';
import { cmdline, isRunning, pidsWhere } from './proc';
import { temporalCliPath } from './tools';

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * A real Temporal dev server (Temporal CLI, Web UI on, SQLite file or in memory), with Redial's
 * search attributes registered. Installed from PyPI where possible, else downloaded by the SDK.
 */
export async function startTemporalDevServer(opts: {
  port: number;
  uiPort: number;
  dbFilename?: string;
  log?: (m: string) => void;
  /** The server's own log level (debug, info, warn, error, never); it writes to this process's stdout. */
  serverLogLevel?: string;
  /** The Web UI decodes payloads through this codec server (the API's /codec). */
  uiCodecEndpoint?: string;
  /**
   * When the server does not start (seen: its port taken between choosing it and binding it; the
   * server's own services pick free ports too), start again on fresh free ports, up to three
   * times. Only for callers that read the address from the result, not a restart on an old address.
   */
  retryOnFreshPorts?: boolean;
}): Promise<EmbeddedTemporal> {
  const cli = await temporalCliPath(opts.log);
  for (let attempt = 1; ; attempt++) {
    try {
      // a port already taken makes the CLI exit before the SDK notices: the start would never settle.
      // A server restarted on its old port may find its last process still letting go: waited for.
      for (const port of [opts.port, opts.uiPort]) if (!(await portFreeWithin(port, 15_000))) throw new Error(`port ${port} is taken`);
      return await withinTime(startOnce(cli, opts), START_BUDGET_MS, `the dev server did not start within ${START_BUDGET_MS / 1000} s`);
    } catch (err) {
      // the clash may be with the server's own services, gone with it: any failed start is retried
      if (!opts.retryOnFreshPorts || attempt >= 3) throw err;
      for (const pid of serverPids(opts.port)) process.kill(pid, 'SIGKILL');
      const ports = { port: await freePort(), uiPort: await freePort() };
      opts.log?.(`temporal dev server did not start on ${opts.port}/${opts.uiPort} (${(err as Error).message.split('\n')[0]}); starting again on ${ports.port}/${ports.uiPort}`);
      opts = { ...opts, ...ports };
    }
  }
}

const START_BUDGET_MS = 120_000;

async function portFreeWithin(port: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!(await isPortFree(port))) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return true;
}

function withinTime<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function startOnce(cli: string | undefined, opts: Parameters<typeof startTemporalDevServer>[0]): Promise<EmbeddedTemporal> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: opts.port,
      ui: true,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      searchAttributes: cadenceSearchAttributes,
      log: { format: 'pretty', level: opts.serverLogLevel ?? 'error' },
      extraArgs: [
        // one partition per task queue: a single-host server gains nothing from four, and after a
        // worker kill or a restart the backlog of non-root partitions was seen to stop draining
        // (the soak: partitions 1 and 3 held 7,000 workflow tasks for 28 minutes while 0 and 2 served)
        '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
        '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
        // a file-backed server: write-ahead log instead of a rollback journal (readers stop waiting on
        // writers; one fsync per checkpoint, not per transaction); synchronous=normal may lose the last transactions
        // of the server's own file on power loss (a killed process loses nothing)
        ...(opts.dbFilename ? ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []),
        ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
      ],
    },
  });
  // the server's process, found by its port: a teardown that hangs must not leave it holding the terminal
  const pids = serverPids(opts.port);
  let stopped = false;
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      const done = await Promise.race([env.teardown().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 30_000).unref())]);
      const left = pids.filter((pid) => isRunning(pid));
      if (!done || left.length) opts.log?.(`temporal dev server: teardown ${done ? 'left' : 'hung 30 s with'} pid ${left.join(', ') || '?'} running; killed`);
      for (const pid of left) process.kill(pid, 'SIGKILL');
    },
  };
}

/** Pids of Temporal CLI processes serving on this port. */
function serverPids(port: number): number[] {
  return pidsWhere((pid) => {
    const args = cmdline(pid).split(' ');
    return args.includes('start-dev') && args.includes(String(port));
  });
}
