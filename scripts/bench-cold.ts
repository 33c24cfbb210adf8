/**
 * `npm run bench:cold`: the first events after `npm start`. Starts the whole embedded stack the way
 * a user does (scripts/start.ts on a fresh data folder and free ports, schedules on), waits for its
 * "Redial is running" banner, then at once sends BENCH_COLD_EVENTS (100) lead events at
 * BENCH_COLD_RATE (10/s) for contacts inside their calling window, and prints how long each waited
 * for its first dial (the simulator's own call log), in tens, plus the time to the banner. Stops
 * the stack itself. BENCH_COLD_LOG=<file> keeps what the stack printed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isolatedStart } from './lib/isolated-start';
import { root } from './lib/tools';
import { pct, pool, zoneAtHour } from './lib/bench/measure';
import { nanp } from './lib/bench/cohort';

const EVENTS = Number(process.env.BENCH_COLD_EVENTS ?? 100);
const RATE = Number(process.env.BENCH_COLD_RATE ?? 10);
const log = (m: string) => console.log(`[bench:cold] ${m}`);

async function main() {
  const { dir, key, ports, env } = await isolatedStart('redial-cold-');
  const t0 = performance.now();
  const start = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/start.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  /** When the parts said they serve: the worker's "polling" line is when cadences can run. */
  const milestones: Array<[string, number]> = [];
  const exited = new Promise<void>((resolve) => start.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      for (const m of ['listening on', 'polling task queue', 'schedules:', 'Redial is running']) if (chunk.toString().includes(m)) milestones.push([m, performance.now() - t0]);
      if (output.join('').includes('Redial is running')) resolve();
    };
    start.stdout.on('data', onData);
    start.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`npm start ended before it was ready:\n${output.join('').slice(-3000)}`)));
  });
  try {
    await ready;
    const readyAt = performance.now();
    log(`"Redial is running" ${((readyAt - t0) / 1000).toFixed(1)} s after the start`);
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    const simUrl = `http://127.0.0.1:${ports.sim}`;
    const zone = zoneAtHour(14);
    const phones = Array.from({ length: EVENTS }, (_, i) => nanp('415', i));
    const sentAt = new Map<string, number>();
    const postMs: number[] = [];
    const eventIds = new Map<string, string>();
    await pool(
      phones.map((p, i) => ({ p, i })),
      32,
      async ({ p, i }) => {
        const due = readyAt + (i / RATE) * 1000;
        if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        const s = performance.now();
        sentAt.set(p, Date.now());
        const res = await fetch(`${apiUrl}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'lead.created', phone: p, contact: { timeZone: zone } }),
        });
        if (res.status !== 202) throw new Error(`POST /v1/events → ${res.status} ${await res.text()}`);
        eventIds.set(p, ((await res.json()) as { eventId: string }).eventId);
        postMs.push(performance.now() - s);
      },
    );
    const firstDial = new Map<string, number>();
    const until = Date.now() + 180_000;
    while (firstDial.size < phones.length && Date.now() < until) {
      const { calls } = (await fetch(`${simUrl}/sim/calls`).then((r) => r.json())) as { calls: Array<{ to: string; createdAt: number }> };
      for (const c of calls) if (sentAt.has(c.to) && (!firstDial.has(c.to) || c.createdAt < firstDial.get(c.to)!)) firstDial.set(c.to, c.createdAt);
      await new Promise((r) => setTimeout(r, 250));
    }
    const waits = phones.map((p) => (firstDial.has(p) ? firstDial.get(p)! - sentAt.get(p)! : Infinity));
    const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
    log(`${firstDial.size}/${phones.length} dialled; POST /v1/events ${fmt(postMs)}`);
    log(`event → first dial, all: ${fmt(waits)} (target p99 ≤ 1000 ms from the first event)`);
    // where the wait was: in the inbox (accepted → delivered to the cadence) or after it
    const inInbox: number[] = [];
    for (const p of phones) {
      const e = (await fetch(`${apiUrl}/v1/events/${eventIds.get(p)}`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json())) as { createdAt: string; deliveredAt: string | null };
      if (e.deliveredAt) inInbox.push(Date.parse(e.deliveredAt) - Date.parse(e.createdAt));
    }
    log(`accepted → delivered to the cadence: ${fmt(inInbox)}`);
    log(`after the start: ${milestones.map(([m, at]) => `"${m}" ${(at / 1000).toFixed(1)} s`).join(', ')}`);
    for (let i = 0; i < waits.length; i += 10) log(`  events ${String(i + 1).padStart(3)}–${String(Math.min(i + 10, waits.length)).padEnd(3)}  ${fmt(waits.slice(i, i + 10))}`);
  } finally {
    start.kill('SIGINT');
    await exited;
    // BENCH_COLD_LOG=<file>: everything the stack printed, to see where the time went
    if (process.env.BENCH_COLD_LOG) fs.writeFileSync(process.env.BENCH_COLD_LOG, output.join(''));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
