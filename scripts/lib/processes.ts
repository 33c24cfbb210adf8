/**
 * The whole system as separate processes on free ports, for bench and fuzz: the embedded stack,
 * the api and the worker as children (so their CPU and memory can be read), and the simulator
 * in this process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { newKey } from '../../services/keys';
import { listen } from '../../services/listen';
import { simulatorAccounts, simulatorLines } from '../../sim/defaults';
import { createSim } from '../../sim/server';
import { run, startChild, stopChild } from './exec';
import { freePort } from './ports';
import { startStack } from './stack';
import { root } from './tools';
import { generateSecrets } from '../../services/keyring';

export async function startProcesses(opts: {
  log: (m: string) => void;
  timeScale?: number;
  /** Temporal's state in a SQLite file, as `npm start` keeps it (its size is then `temporalDbFile`'s); in memory otherwise. */
  persistTemporal?: boolean;
  /** Worker processes on the one task queue (default 1), each with its own /metrics port. */
  workers?: number;
}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-run-'));
  fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL may run as another user
  const stack = await startStack({ dataDir, pgPort: await freePort(), temporalPort: await freePort(), temporalUiPort: await freePort(), persistTemporal: opts.persistTemporal ?? false, fast: true, log: opts.log });
  const children: ChildProcess[] = [];
  const sim = createSim({ accounts: simulatorAccounts, timeScale: opts.timeScale ?? 0.002 });
  const simServer = await listen(sim.app.fetch, 0);
  const stop = async () => {
    for (const c of children.reverse()) await stopChild(c);
    sim.close();
    await simServer.close();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const adminKey = newKey();
    const env = { ...generateSecrets(), ...process.env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress, REDIAL_API_PORT: String(apiPort), REDIAL_PUBLIC_URL: apiUrl, REDIAL_ADMIN_KEY: adminKey, TWILIO_API_BASE_URL: simServer.url, REDIAL_LINES: JSON.stringify(simulatorLines) };
    const spawnTs = (name: string, file: string, extraEnv: NodeJS.ProcessEnv = {}) => {
      // REDIAL_CPU_PROFILE=<dir>: V8 CPU profiles of the api and worker (open in Chrome DevTools)
      const prof = process.env.REDIAL_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.REDIAL_CPU_PROFILE)}`] : [];
      const child = startChild(name, process.execPath, [...prof, '--import', 'tsx', path.join(root, file)], { env: { ...env, ...extraEnv }, cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      return child;
    };
    const api = spawnTs('api', 'api/main.ts');
    for (let i = 0; i < 240; i++) {
      if ((await fetch(`${apiUrl}/healthz`).then((r) => r.status, () => 0)) === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const workers: Array<{ child: ChildProcess; metricsUrl: string }> = [];
    for (let i = 0; i < (opts.workers ?? 1); i++) {
      const metricsPort = await freePort();
      workers.push({ child: spawnTs(`worker-${i + 1}`, 'worker/main.ts', { REDIAL_WORKER_METRICS_PORT: String(metricsPort) }), metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` });
    }
    // a worker serves /metrics once it has bundled its workflows and connected
    for (const w of workers) {
      for (let i = 0; i < 480 && (await fetch(w.metricsUrl).then((r) => r.status, () => 0)) !== 200; i++) await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000)); // its pollers reach the server
    const port = new URL(`http://${stack.temporalAddress}`).port;
    const temporalPid = Number((await run('pgrep', ['-f', `start-dev --port ${port}`]).catch(() => ({ stdout: '' }))).stdout.trim().split('\n')[0]) || undefined;
    // the postmaster (its backends are its children): the first line of its pid file (scripts/lib/stack.ts puts it in pg/data)
    const postgresPid = Number(fs.readFileSync(path.join(dataDir, 'pg', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    return { apiUrl, adminKey, sim, simUrl: simServer.url, api, worker: workers[0]!.child, workers, temporalPid, temporalDbFile: stack.temporalDbFile, postgresPid, temporalAddress: stack.temporalAddress, spawnTs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
