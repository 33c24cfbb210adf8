/**
 * The parts `npm start` supervises, each as a Unit: a TypeScript entrypoint run as a child process,
 * the embedded PostgreSQL server and the Temporal dev server. A unit's `exited` tells the
 * supervisor that the part ended without being asked to.
 */
import path from 'node:path';
import fs from 'node:fs';
import { startChild, stopChild } from './exec';
import { startPostgres } from './postgres';
import { childrenOf, watchPid } from './proc';
import type { Running, Unit } from './supervise';
import { startTemporalDevServer } from './temporal';
import { root } from './tools';

/** `node --import tsx <file>` in its own process group (exec.ts), so stopping it stops what it spawned. */
export function nodeUnit(name: string, file: string, env: NodeJS.ProcessEnv): Unit {
  return {
    name,
    async start(): Promise<Running> {
      const child = startChild(name, process.execPath, ['--import', 'tsx', path.resolve(root, file)], { env, cwd: root });
      const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(signal ?? code))));
      return { pid: child.pid, exited, stop: () => stopChild(child) };
    },
  };
}

/**
 * The embedded PostgreSQL server. pg_ctl daemonises it, so it is not our child: it is watched by
 * the pid in postmaster.pid. A restart runs pg_ctl start again on the same data (crash recovery).
 */
export function postgresUnit(opts: { dataDir: string; port: number; log: (m: string) => void }): Unit & { url: string; adminUrl: string } {
  return {
    name: 'postgres',
    url: `postgres://redial@127.0.0.1:${opts.port}/redial`,
    adminUrl: `postgres://redial@127.0.0.1:${opts.port}/postgres`,
    async start(): Promise<Running> {
      const pg = await startPostgres({ dataDir: opts.dataDir, port: opts.port, database: 'redial', log: opts.log });
      const pid = Number(fs.readFileSync(path.join(opts.dataDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const watch = watchPid(pid);
      return {
        pid,
        exited: watch.gone.then(() => `process ${pid} gone`),
        async stop() {
          watch.cancel();
          await pg.stop();
        },
      };
    },
  };
}

/**
 * The Temporal dev server (state in a SQLite file, so a restart keeps every workflow). The SDK
 * spawns it as our child; it is found among our children by its port and watched (a crashed one
 * stays a zombie until the SDK's teardown reaps it, which the restart does).
 */
export function temporalUnit(opts: { port: number; uiPort: number; dbFilename: string; uiCodecEndpoint?: string; log: (m: string) => void }): Unit & { address: string; uiUrl: string } {
  return {
    name: 'temporal',
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    async start(): Promise<Running> {
      const server = await startTemporalDevServer({ port: opts.port, uiPort: opts.uiPort, dbFilename: opts.dbFilename, uiCodecEndpoint: opts.uiCodecEndpoint, log: opts.log });
      const pid = childrenOf(process.pid).find((c) => c.cmdline.includes('start-dev') && c.cmdline.includes(`--port ${opts.port} `))?.pid;
      const watch = pid ? watchPid(pid) : undefined;
      return {
        pid,
        // without /proc (macOS) the server is not watched: it is stopped with the rest, not restarted
        exited: watch ? watch.gone.then(async () => {
          await server.stop().catch(() => undefined);
          return `process ${pid} gone`;
        }) : new Promise<string>(() => {}),
        async stop() {
          watch?.cancel();
          await server.stop();
        },
      };
    },
  };
}
