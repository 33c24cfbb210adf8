/**
 * `npm start` on real processes: the start script (its own PostgreSQL, Temporal dev server,
 * simulator, api and worker on free ports, data in a temp folder) keeps running after whatever
 * launched it has returned, restarts a part that is killed while the rest keep serving, and leaves
 * nothing running after SIGTERM — to itself, or to the npm that ran it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isPortFree } from '../scripts/lib/ports';
import { cmdline, isRunning, procStat } from '../scripts/lib/proc';
import { lastPoll } from '../scripts/lib/worker-health';
import { isolatedStart, type IsolatedStart } from '../scripts/lib/isolated-start';

const root = path.resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stack {
  dir: string;
  log: string;
  key: string;
  ports: IsolatedStart['ports'];
  env: NodeJS.ProcessEnv;
}

/** A data folder, free ports and an environment that starts everything embedded (none of the test run's own servers). */
async function prepare(): Promise<Stack> {
  const s = await isolatedStart('redial-start-');
  Object.assign(s.env, {
    REDIAL_SCHEDULES: 'off',
    npm_config_update_notifier: 'false', // npm must not call the registry
  });
  return { ...s, log: path.join(s.dir, 'start.log') };
}

/**
 * Runs `command &` from a shell that stays until release() and then exits, like a script that
 * launches the stack, waits until it serves and returns. Resolves with the command's pid.
 */
interface Launcher {
  pid: number;
  release(): Promise<void>;
  /** For a test that failed before release(). */
  kill(): void;
}

function launchDetached(s: Stack, command: string): Promise<Launcher> {
  const go = path.join(s.dir, 'launcher-may-exit');
  const sh = spawn('sh', ['-c', `${command} > '${s.log}' 2>&1 & echo $!; while [ ! -e '${go}' ]; do sleep 0.1; done`], { cwd: root, env: s.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => sh.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    sh.stdout.once('data', (chunk: Buffer) => {
      resolve({
        pid: Number(chunk.toString().trim()),
        async release() {
          fs.writeFileSync(go, '');
          await exited;
        },
        kill: () => sh.kill('SIGKILL'),
      });
    });
    sh.once('error', reject);
  });
}

/** The launcher returns; the stack must not notice. */
async function releaseLauncher(s: Stack, launcher: { release(): Promise<void> }, startPid: number) {
  await launcher.release();
  await sleep(2000); // the old ancestor watch looked every 0.5 s
  assert.ok(isRunning(startPid), `the start script stopped when its launcher exited:\n${readLog(s).slice(-2000)}`);
  assert.equal(await healthz(s), 200);
}

const readLog = (s: Stack) => (fs.existsSync(s.log) ? fs.readFileSync(s.log, 'utf8') : '');
const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

async function waitUntil<T>(what: string, s: Stack, startPid: number, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (!isRunning(startPid)) assert.fail(`the start script ended while waiting for ${what}:\n${readLog(s).slice(-3000)}`);
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}:\n${readLog(s).slice(-3000)}`);
    await sleep(250);
  }
}

const healthz = (s: Stack) => fetch(`http://127.0.0.1:${s.ports.api}/healthz`).then((r) => r.status, () => 0);
const postEvent = (s: Stack) =>
  fetch(`http://127.0.0.1:${s.ports.api}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'lead.created', phone: '+14155550127', contact: { timeZone: 'UTC' } }),
  }).then((r) => r.status, () => 0);

function pidOf(s: Stack, name: string): number | undefined {
  const f = path.join(s.dir, 'run', `${name}.pid`);
  const pid = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8').trim()) : NaN;
  return Number.isInteger(pid) && pid > 0 && isRunning(pid) ? pid : undefined;
}

/** The given processes and every process below them (PostgreSQL's backends, the children's esbuild). */
function withDescendants(pids: number[]): number[] {
  const parent = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    const st = Number.isInteger(Number(e)) ? procStat(Number(e)) : undefined;
    if (st && st.state !== 'Z') parent.set(st.pid, st.ppid);
  }
  const out = new Set(pids);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) if (out.has(ppid) && !out.has(pid)) grew = out.add(pid) !== undefined;
  }
  return [...out];
}

/** Serving: the API healthy and a worker polling (it logs that once connected). */
async function waitServing(s: Stack, startPid: number) {
  await waitUntil('the api to be healthy', s, startPid, async () => (await healthz(s)) === 200);
  await waitUntil('the worker to poll', s, startPid, () => count(readLog(s), /\[worker\] polling task queue/) >= 1);
}

/** The pid of each part, from the pid files the start script keeps. */
async function partPids(s: Stack, startPid: number) {
  const pids: Record<string, number> = {};
  for (const name of ['postgres', 'temporal', 'sim', 'api', 'worker']) pids[name] = await waitUntil(`${name}.pid`, s, startPid, () => pidOf(s, name));
  return pids;
}

/** Every process of the stack, the ports it listened on and its data folder: all gone after `stop`. */
async function assertStopsEverything(s: Stack, startPid: number, stop: () => void) {
  const parts = ['start', 'postgres', 'temporal', 'sim', 'api', 'worker'].map((n) => pidOf(s, n)).filter((p): p is number => p !== undefined);
  assert.ok(parts.includes(startPid), 'start.pid names the start script');
  const all = withDescendants(parts);
  stop();
  const until = Date.now() + 60_000;
  while (isRunning(startPid) && Date.now() < until) await sleep(200);
  assert.equal(isRunning(startPid), false, `the start script is still running:\n${readLog(s).slice(-2000)}`);
  assert.match(readLog(s), /\[start\] stopped/);
  const left = all.filter((p) => isRunning(p)).map((p) => `${p} ${cmdline(p)}`);
  assert.deepEqual(left, [], 'processes left running');
  for (const [name, port] of Object.entries(s.ports)) assert.ok(await isPortFree(port), `port of ${name} (${port}) is still taken`);
  assert.deepEqual(fs.readdirSync(path.join(s.dir, 'run')), [], 'pid files are removed');
}

/** The process running scripts/start.ts below npm (npm → sh → tsx → node). */
function startScriptBelow(npmPid: number): number | undefined {
  const below = withDescendants([npmPid]).filter((p) => p !== npmPid);
  return below.find((p) => cmdline(p).includes('--import') && cmdline(p).endsWith('scripts/start.ts') && !cmdline(p).includes('.bin/tsx'));
}

/** Whatever a failed test left behind is killed, so nothing outlives the run. */
function cleanUp(s: Stack, pids: number[]) {
  const found = fs.readdirSync('/proc').filter((e) => Number.isInteger(Number(e)) && cmdline(Number(e)).includes(s.dir)).map(Number);
  for (const pid of withDescendants([...pids, ...found]).filter((p) => p > 1 && p !== process.pid && isRunning(p))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(s.dir, { recursive: true, force: true });
}

describe('npm start', { timeout: 240_000 }, () => {
  test('outlives its launcher, restarts a killed worker and api while the rest serve, and SIGTERM stops every part', async () => {
    const s = await prepare();
    let startPid = 0;
    let launcher: Launcher | undefined;
    const seen: number[] = [];
    try {
      launcher = await launchDetached(s, `'${process.execPath}' --import tsx scripts/start.ts`);
      startPid = launcher.pid;
      seen.push(startPid);
      await waitServing(s, startPid);
      await releaseLauncher(s, launcher, startPid);
      const pids = await partPids(s, startPid);

      // the dev Web UI reads histories in clear through the API's codec server, with its own key
      const ui = `http://127.0.0.1:${s.ports.temporalUi}`;
      const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
      const endpoint = settings.Codec?.Endpoint ?? '';
      assert.match(endpoint, new RegExp(`^http://127\\.0\\.0\\.1:${s.ports.api}/codec/key/rdl_`), `the UI's codec endpoint: ${endpoint.replace(/rdl_\S+/, 'rdl_…')}`);
      const probe = await fetch(`${endpoint}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ui }, body: JSON.stringify({ payloads: [] }) });
      assert.equal(probe.status, 200);
      assert.equal(probe.headers.get('access-control-allow-origin'), ui, 'CORS for the UI');
      seen.push(...Object.values(pids));

      // kill -9 the worker: the api keeps taking events, the worker comes back and polls again
      const hostname = os.hostname();
      assert.ok(await lastPoll({ address: `127.0.0.1:${s.ports.temporal}`, match: (id) => id === `${pids.worker}@${hostname}` }), 'the first worker polls');
      process.kill(pids.worker!, 'SIGKILL');
      assert.equal(await postEvent(s), 202, 'events are accepted while the worker is down');
      await waitUntil('the restart log line', s, startPid, () => /\[start\] worker exited \(SIGKILL\); restarting in 0\.5 s \(restart 1\)/.test(readLog(s)));
      const worker2 = await waitUntil('a new worker', s, startPid, () => {
        const p = pidOf(s, 'worker');
        return p !== undefined && p !== pids.worker ? p : undefined;
      });
      seen.push(worker2);
      assert.equal(isRunning(pids.worker!), false);
      assert.equal(await postEvent(s), 202, 'events are accepted while the new worker starts');
      await waitUntil('the new worker to poll', s, startPid, async () => await lastPoll({ address: `127.0.0.1:${s.ports.temporal}`, match: (id) => id === `${worker2}@${hostname}` }));
      // the compose health check says so too (any worker of this host)
      const health = await new Promise<number>((resolve) =>
        execFile(process.execPath, ['--import', 'tsx', 'scripts/lib/worker-health.ts'], { cwd: root, env: { ...s.env, TEMPORAL_ADDRESS: `127.0.0.1:${s.ports.temporal}` } }, (err) => resolve(err ? Number((err as { code?: number }).code ?? 1) : 0)),
      );
      assert.equal(health, 0, 'worker-health reports the worker polling');

      // kill -9 the api: it comes back on the same port; the rest never stopped
      process.kill(pids.api!, 'SIGKILL');
      await waitUntil('the api restart log line', s, startPid, () => /\[start\] api exited \(SIGKILL\); restarting in 0\.5 s \(restart 1\)/.test(readLog(s)));
      await waitUntil('the api to serve again', s, startPid, async () => (await healthz(s)) === 200);
      seen.push(await waitUntil('api.pid', s, startPid, () => pidOf(s, 'api')));
      assert.equal(await postEvent(s), 202);
      for (const name of ['postgres', 'temporal', 'sim'] as const) assert.ok(isRunning(pids[name]!), `${name} kept running`);
      assert.equal(pidOf(s, 'worker'), worker2, 'the worker kept running');
      assert.doesNotMatch(readLog(s), /stopping/);

      await assertStopsEverything(s, startPid, () => process.kill(startPid, 'SIGTERM'));
    } finally {
      launcher?.kill();
      cleanUp(s, seen);
    }
  });

  test('run by npm from a launcher that exits: keeps running, and SIGTERM to npm stops every part', async () => {
    const s = await prepare();
    let npmPid = 0;
    let launcher: Launcher | undefined;
    const seen: number[] = [];
    try {
      launcher = await launchDetached(s, 'npm start');
      npmPid = launcher.pid;
      seen.push(npmPid);
      // the start script is the node process below npm → sh → tsx that listens on the api port
      const startPid = await waitUntil('the start script', s, npmPid, () => startScriptBelow(npmPid));
      seen.push(startPid);
      await waitServing(s, startPid);
      await releaseLauncher(s, launcher, startPid);
      seen.push(...Object.values(await partPids(s, startPid)));
      assert.ok(isRunning(npmPid), 'npm still running');
      assert.equal(pidOf(s, 'start'), startPid, 'start.pid names it');
      const tsxPid = procStat(startPid)!.ppid;
      await assertStopsEverything(s, startPid, () => process.kill(npmPid, 'SIGTERM'));
      assert.match(readLog(s), new RegExp(`npm \\(process ${npmPid}\\) ended`));
      // and what npm ran us through: its shell and tsx
      const until = Date.now() + 10_000;
      while ((isRunning(npmPid) || isRunning(tsxPid)) && Date.now() < until) await sleep(200);
      assert.equal(isRunning(npmPid), false, 'npm ended');
      assert.equal(isRunning(tsxPid), false, 'tsx ended');
    } finally {
      launcher?.kill();
      cleanUp(s, seen);
    }
  });
});
