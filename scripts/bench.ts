/**
 * `npm run bench`: Redial's speed and memory on this machine, through the real path. Starts the
 * embedded stack on free ports, the api and worker as child processes (so their memory can be
 * read), and the simulator in-process, then measures:
 *   1. cadences started per second through POST /v1/events, and the delay from an event to its
 *      first dial (the simulator's record) inside an allowed window — target p99 ≤ 1 s;
 *   2. POST /v1/events alone (no call follows) offered at 200/s — target p99 ≤ 200 ms;
 *   3. BENCH_SLEEPING cadences (10,000) started by one bulk import fall asleep until tomorrow's
 *      window, on the file-backed Temporal server: start rate, worker RSS (target: flat), Temporal
 *      RSS and file per cadence; then BENCH_WINDOW more (a tenth) whose window opens at one
 *      minute: how the dials spread, timeouts in their histories, no call before the window
 *      (scripts/lib/bench/sleepers.ts, window.ts). BENCH_WORKERS=2 runs two workers and shows how
 *      the work spread between them (scripts/lib/bench/workers.ts).
 * Sizes: BENCH_EVENTS (default 1000), BENCH_SLEEPING (default 10000), BENCH_CONCURRENCY (32),
 * BENCH_RATE (events/s of the paced phase, default 10: what this 2-core machine sustains with headroom), BENCH_INGEST / BENCH_INGEST_RATE (2000 events
 * offered at 200/s to contacts in quiet hours: ingestion alone, as a CRM sync does; a list such as
 * 100,200 runs one round per rate), BENCH_PHASES (dial,ingest,sleep: which to run).
 */
import { startProcesses } from './lib/processes';
import { loadAverage, log, mb, ownCpuSec, pct, pool, treeCpuSec, treeRssKb, zoneAtHour } from './lib/bench/measure';
import { nanp } from './lib/bench/cohort';
import { sleepPhase } from './lib/bench/sleepers';
import { windowPhase } from './lib/bench/window';
import { workerSpread } from './lib/bench/workers';
import { stopChild } from './lib/exec';
import { Client, Connection } from '@temporalio/client';
import { baselineDial } from './lib/bench/baseline-workflows';
import { BASELINE_TASK_QUEUE, baselineEvent } from './lib/bench/baseline-contract';
import { defaultPayloadConverter } from '@temporalio/common';
import { initialState } from '../domain/cadence-state';
import { defaultStrategy } from '../domain/strategy';
import { generateSecrets, parseKeyring } from '../services/keyring';
import { createPayloadCodec } from '../services/payload-codec';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const SLEEPING = Number(process.env.BENCH_SLEEPING ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const RATE = Number(process.env.BENCH_RATE ?? 10);
const INGEST = Number(process.env.BENCH_INGEST ?? 2000);
/** Offered rates of the ingestion phase, comma-separated (e.g. 100,200). */
const INGEST_RATES = (process.env.BENCH_INGEST_RATE ?? '200').split(',').map(Number);
/** Which phases run: codec, baseline, dial, ingest, sleep (all by default). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'codec,baseline,dial,ingest,sleep').split(',').map((p) => p.trim()));
/** The sleep phase: how long the start of BENCH_SLEEPING cadences may take before it reports a partial start. */
const SLEEP_MINUTES = Number(process.env.BENCH_SLEEP_MINUTES ?? 40);
/** Cadences whose window opens at one moment (a further cohort after the sleepers; default a tenth of them), and how long the phase follows their dials. */
const WINDOW = Number(process.env.BENCH_WINDOW ?? Math.round(SLEEPING / 10));
const WINDOW_MINUTES = Number(process.env.BENCH_WINDOW_MINUTES ?? 30);
/** The window campaign's jitter in seconds (unset: the strategy's default); ≥ BENCH_WINDOW ÷ the dial rate spreads the herd to what the worker keeps up with. */
const WINDOW_JITTER = process.env.BENCH_WINDOW_JITTER ? Number(process.env.BENCH_WINDOW_JITTER) : undefined;
/** Histories of the window's cadences read for timeouts. */
const HISTORY_SAMPLE = Number(process.env.BENCH_HISTORY_SAMPLE ?? 1000);
/** Worker processes on the one task queue: with 2, the bench shows how the work spread between them. */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
/** Workflows per baseline variant (the no-op of a dial's shape on the same server). */
const BASELINE = Number(process.env.BENCH_BASELINE ?? EVENTS);

/**
 * The payload codec's own cost (AES-256-GCM, services/payload-codec.ts): encode + decode of a
 * cadence's start input, per payload, on one core — to set beside a dial's CPU from the phases below.
 */
async function codecCost() {
  const s = generateSecrets();
  const codec = createPayloadCodec(parseKeyring(s.REDIAL_DATA_KEYS, s.REDIAL_HASH_SECRET));
  const state = initialState({ tenant: 'default', phone: '+8613812348000', contactId: '6d09f8c8-4045-4789-aa6f-2774dc16e5ff', timeZone: 'Asia/Shanghai', tags: ['vip'], contactStatus: 'active' });
  const p = defaultPayloadConverter.toPayload({ state });
  const round = async (n: number) => {
    for (let i = 0; i < n; i++) await codec.decode(await codec.encode([p]));
  };
  await round(2000);
  const t0 = performance.now();
  await round(20_000);
  const us = ((performance.now() - t0) * 1000) / 20_000;
  log(`codec: a ${p.data!.length}-byte payload encoded and decoded in ${us.toFixed(1)} µs (${Math.round(1e6 / us)}/s on one core)`);
}

async function main() {
  if (PHASES.has('codec')) await codecCost();
  if (![...PHASES].some((p) => p !== 'codec')) return;
  // the sleep phase measures the Temporal server's file on disk: the file-backed server `npm start` runs
  const sys = await startProcesses({ log, persistTemporal: PHASES.has('sleep'), workers: WORKERS });
  log(`Temporal dev server ${sys.temporalDbFile ? 'on a SQLite file' : 'in memory'}; ${WORKERS} worker process(es); load average before: ${loadAverage()}`);
  const { apiUrl, adminKey, sim, api, worker, temporalPid } = sys;
  try {
    // —— 0. the same Temporal server doing a no-op of a dial's shape: what Redial is measured against ——
    const baseline = PHASES.has('baseline') ? await baselinePhases(sys) : null;

    const post = (phone: string, tz: string) =>
      fetch(`${apiUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'lead.created', phone, contact: { timeZone: tz } }),
      }).then(async (r) => {
        if (r.status !== 202) throw new Error(`POST /v1/events → ${r.status} ${await r.text()}`);
        return ((await r.json()) as { eventId: string }).eventId;
      });
    const eventState = (id: string) =>
      fetch(`${apiUrl}/v1/events/${id}`, { headers: { authorization: `Bearer ${adminKey}` } }).then(async (r) => ((await r.json()) as { state: string }).state);

    // —— 1. event → first dial inside an allowed window: paced, then at saturation ——
    const day = zoneAtHour(14);
    const firstDial = () => {
      const m = new Map<string, number>();
      for (const c of sim.calls.values()) if (!m.has(c.to) || c.createdAt < m.get(c.to)!) m.set(c.to, c.createdAt);
      return m;
    };
    const phase = async (label: string, phones: string[], opts: { rate?: number; concurrency: number }) => {
      const cpu0 = { api: treeCpuSec(api.pid), worker: treeCpuSec(worker.pid), temporal: treeCpuSec(temporalPid), postgres: treeCpuSec(sys.postgresPid), here: ownCpuSec() };
      const sentAt = new Map<string, number>();
      const postLatency: number[] = [];
      const t0 = performance.now();
      await pool(
        phones.map((p, i) => ({ p, i })),
        opts.concurrency,
        async ({ p, i }) => {
          if (opts.rate) {
            const due = t0 + (i / opts.rate) * 1000;
            if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
          }
          const s = performance.now();
          sentAt.set(p, Date.now());
          await post(p, day);
          postLatency.push(performance.now() - s);
        },
      );
      const seconds = (performance.now() - t0) / 1000;
      const until = Date.now() + 120_000;
      while (phones.some((p) => !firstDial().has(p)) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      const dials = firstDial();
      const delays = phones.filter((p) => dials.has(p)).map((p) => dials.get(p)! - sentAt.get(p)!);
      const dialTimes = phones.filter((p) => dials.has(p)).map((p) => dials.get(p)!);
      const span = (Math.max(...dialTimes) - Math.min(...dialTimes)) / 1000;
      const wall = (performance.now() - t0) / 1000;
      const cpu = (k: 'api' | 'worker' | 'temporal', pid: number | undefined) => `${k} ${(((treeCpuSec(pid) - cpu0[k]) / wall) * 100).toFixed(0)}%`;
      log(`${label}: dials ${(dialTimes.length / Math.max(span, 0.001)).toFixed(1)}/s sustained over ${span.toFixed(1)} s; CPU ${cpu('api', api.pid)}, ${cpu('worker', worker.pid)}, ${cpu('temporal', temporalPid)} of one core; RSS api ${mb(treeRssKb(api.pid))}, worker ${mb(treeRssKb(worker.pid))}`);
      // what one dial costs each part (the simulator and this load generator share this process): the capacity model's input
      const perDial = (sec: number) => `${((sec * 1000) / Math.max(dialTimes.length, 1)).toFixed(0)} ms`;
      log(
        `${label}: CPU per dial: api ${perDial(treeCpuSec(api.pid) - cpu0.api)}, worker ${perDial(treeCpuSec(worker.pid) - cpu0.worker)}, temporal ${perDial(treeCpuSec(temporalPid) - cpu0.temporal)}, ` +
          `postgres ${perDial(treeCpuSec(sys.postgresPid) - cpu0.postgres)}, simulator + load generator ${perDial(ownCpuSec() - cpu0.here)}`,
      );
      log(`${label}: ${phones.length} events in ${seconds.toFixed(1)} s = ${(phones.length / seconds).toFixed(0)} cadences started/s`);
      log(`${label}: POST /v1/events p50 ${pct(postLatency, 50).toFixed(0)} ms, p99 ${pct(postLatency, 99).toFixed(0)} ms`);
      log(`${label}: event → first dial ${delays.length}/${phones.length} dialled, p50 ${pct(delays, 50)} ms, p99 ${pct(delays, 99)} ms, max ${Math.max(...delays)} ms (target p99 ≤ 1000 ms)`);
      // the default strategy's first-contact deadline for lead.created (an education lead: 10 minutes)
      const deadlineMs = (defaultStrategy.firstContactWithinMinutes['lead.created'] ?? 10) * 60_000;
      const met = delays.filter((d) => d <= deadlineMs).length;
      log(`${label}: first-contact deadlines met ${met}/${phones.length} (${((met / phones.length) * 100).toFixed(1)}%, lead.created within ${deadlineMs / 60_000} min)`);
      return dialTimes.length / Math.max(span, 0.001);
    };
    const all = Array.from({ length: 2 * EVENTS + 100 }, (_, i) => nanp('415', i));
    await phase('warm-up', all.slice(0, 100), { concurrency: 4 });
    if (PHASES.has('dial')) {
      await phase(`paced ${RATE}/s`, all.slice(100, 100 + EVENTS), { rate: RATE, concurrency: 64 });
      const redial = await phase(`saturation (${CONCURRENCY} concurrent)`, all.slice(100 + EVENTS), { concurrency: CONCURRENCY });
      if (baseline) {
        const r = (b: number) => (redial / b).toFixed(2);
        log(`ratio: redial ${redial.toFixed(1)} dials/s ÷ baseline ${baseline.signal.toFixed(1)}/s = ${r(baseline.signal)} (outcome by signal); ÷ ${baseline.async.toFixed(1)}/s = ${r(baseline.async)} (outcome by async completion); target ≥ 0.8`);
      }
    }

    // —— 2. event ingestion alone (CRM sync): contacts in quiet hours, so no call follows ——
    await sim.idle(); // the calls above finish first: this phase measures ingestion alone
    await new Promise((r) => setTimeout(r, 5000));
    for (const [round, INGEST_RATE] of INGEST_RATES.entries()) {
      if (!PHASES.has('ingest')) break;
      const night = zoneAtHour(23);
      const phones = Array.from({ length: INGEST }, (_, i) => nanp(String(917 + round), i));
      const latency: number[] = [];
      const cpu0 = { api: treeCpuSec(api.pid), worker: treeCpuSec(worker.pid), temporal: treeCpuSec(temporalPid), postgres: treeCpuSec(sys.postgresPid) };
      const t0 = performance.now();
      let lastId = '';
      await pool(
        phones.map((p, i) => ({ p, i })),
        64,
        async ({ p, i }) => {
          const due = t0 + (i / INGEST_RATE) * 1000;
          if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
          const s = performance.now();
          const id = await post(p, night);
          latency.push(performance.now() - s);
          if (i === phones.length - 1) lastId = id;
        },
      );
      const seconds = (performance.now() - t0) / 1000;
      log(`ingestion at ${INGEST_RATE}/s offered: ${INGEST} events in ${seconds.toFixed(1)} s = ${(INGEST / seconds).toFixed(0)} events/s; POST /v1/events p50 ${pct(latency, 50).toFixed(0)} ms, p99 ${pct(latency, 99).toFixed(0)} ms (target p99 ≤ 50 ms at 200/s)`);
      // the inbox delivers behind the API (oldest first): the last event delivered means all are
      const until = Date.now() + 300_000;
      while (Date.now() < until && (await eventState(lastId)) === 'queued') await new Promise((r) => setTimeout(r, 200));
      const drained = (performance.now() - t0) / 1000;
      const per = (k: keyof typeof cpu0, pid: number | undefined) => `${k} ${(((treeCpuSec(pid) - cpu0[k]) * 1000) / INGEST).toFixed(1)} ms`;
      log(
        `ingestion at ${INGEST_RATE}/s offered: all delivered to their cadences ${(drained - seconds).toFixed(1)} s after the last POST; CPU per event (accepted, delivered, cadence asleep): ` +
          `${per('api', api.pid)}, ${per('worker', worker.pid)}, ${per('temporal', temporalPid)}, ${per('postgres', sys.postgresPid)}`,
      );
      await new Promise((r) => setTimeout(r, 5000)); // the dispatcher catches up before the next round
    }
    if (PHASES.has('sleep')) {
      // —— 3. cadences asleep until tomorrow's window, then a window opening for many at once ——
      await sim.idle(); // the calls above finish first
      const temporal = new Client({ connection: await Connection.connect({ address: sys.temporalAddress }) });
      try {
        const measured = { apiPid: api.pid, postgresPid: sys.postgresPid, workerPids: sys.workers.map((w) => w.child.pid), temporalPid, temporalDbFile: sys.temporalDbFile };
        const slept = SLEEPING === 0 ? { perSecond: 50 } : await sleepPhase({ apiUrl, adminKey }, temporal, sim, measured, SLEEPING, { timeoutMs: SLEEP_MINUTES * 60_000 });
        if (WINDOW > 0) await windowPhase({ apiUrl, adminKey }, temporal, sim, measured, WINDOW, { startsPerSecond: slept.perSecond || 20, maxMinutes: WINDOW_MINUTES, historySample: HISTORY_SAMPLE, jitterSeconds: WINDOW_JITTER });
      } finally {
        await temporal.connection.close();
      }
    }
    if (WORKERS > 1) await workerSpread(sys.workers, sim);
  } finally {
    await sys.stop();
  }
}

/**
 * The no-op workflow of a dial's shape (scripts/lib/bench/baseline-workflows.ts) on the same
 * server, its worker a child process like Redial's: started by signal-with-start at the
 * saturation phase's concurrency, completions per second over the span of their close times.
 */
async function baselinePhases(sys: Awaited<ReturnType<typeof startProcesses>>): Promise<{ signal: number; async: number }> {
  const child = sys.spawnTs('baseline-worker', 'scripts/lib/bench/baseline-worker.ts');
  const client = new Client({ connection: await Connection.connect({ address: sys.temporalAddress }) });
  let completed = 0;
  const run = async (mode: 'signal' | 'async', n: number, label: string) => {
    const ids = Array.from({ length: n }, (_, i) => `baseline-${mode}-${label}-${i}`);
    const cpu0 = { worker: treeCpuSec(child.pid), temporal: treeCpuSec(sys.temporalPid) };
    const t0 = performance.now();
    await pool(ids, CONCURRENCY, async (workflowId) => {
      await client.workflow.signalWithStart(baselineDial, { workflowId, taskQueue: BASELINE_TASK_QUEUE, args: [mode], signal: baselineEvent, signalArgs: ['lead.created'] });
    });
    const until = Date.now() + 300_000;
    const query = 'WorkflowType="baselineDial" AND ExecutionStatus="Completed"';
    while ((await client.workflow.count(query)).count < completed + n && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    completed += n;
    const wall = (performance.now() - t0) / 1000;
    const closes: number[] = [];
    for await (const w of client.workflow.list({ query })) if (w.workflowId.startsWith(`baseline-${mode}-${label}-`) && w.closeTime) closes.push(w.closeTime.getTime());
    const span = (Math.max(...closes) - Math.min(...closes)) / 1000;
    const rate = closes.length / Math.max(span, 0.001);
    const cpu = (k: 'worker' | 'temporal', pid: number | undefined) => `${k} ${(((treeCpuSec(pid) - cpu0[k]) / wall) * 100).toFixed(0)}%`;
    if (label !== 'warm-up') log(`baseline (outcome by ${mode === 'signal' ? 'signal' : 'async completion'}): ${closes.length}/${n} completed, ${rate.toFixed(1)}/s over ${span.toFixed(1)} s; CPU ${cpu('worker', child.pid)}, ${cpu('temporal', sys.temporalPid)} of one core`);
    return rate;
  };
  try {
    await run('signal', 50, 'warm-up');
    const signal = await run('signal', BASELINE, 'measured');
    const async = await run('async', BASELINE, 'measured');
    return { signal, async };
  } finally {
    await stopChild(child);
    await client.connection.close();
  }
}

main().catch((err) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
