/**
 * The strategy dry run, before activation: the campaign's last N days (events, contact profiles,
 * how its calls ended, opt-outs) streamed from PostgreSQL and replayed through the cadence's own
 * rules (domain/dry-run.ts) under the candidate and under the active strategy at once, each on a
 * replay thread of its own (services/dry-run-thread.ts): this thread only reads. It answers what
 * each would have done and the difference. Read-only: nothing is written.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Db } from '../db/client';
import { activeStrategy } from '../db/queries/campaigns';
import { campaignHistory } from '../db/queries/dry-run';
import { DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY } from '../domain/daily-cap';
import type { DryRunPlan, DryRunResult } from '../domain/dry-run';
import { parseStrategy } from './campaigns';
import type { FromThread, ToThread } from './dry-run-thread';
import { unknownCampaign } from './errors';

export interface DryRunDeps {
  db: Db;
  tenant: string;
}

export interface DryRunReport {
  campaignId: string;
  from: string;
  to: string;
  activeVersion: number;
  candidate: DryRunResult;
  active: DryRunResult;
  /** candidate − active. */
  difference: {
    calls: number;
    sms: number;
    missedDeadlines: number;
    perDay: Array<{ day: string; calls: number; sms: number }>;
    refusals: Record<string, number>;
    peakCps: Record<string, number>;
  };
  /** How long the replay took, query included. */
  elapsedMs: number;
}

/**
 * The thread's code is TypeScript, and tsx's loader hooks do not reach worker threads (Node 20):
 * it is loaded through tsx's CommonJS API, as the rest of the process is.
 */
const threadFile = path.join(__dirname, 'dry-run-thread.ts');
const threadBoot = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).require(${JSON.stringify(threadFile)}, ${JSON.stringify(threadFile)});`;

/** Batches a thread may have waiting: reading stays this close to the replay, so memory does not grow with the period. */
const AHEAD = 3;

/**
 * A replay thread, kept between dry runs (starting one costs most of a second): it holds the
 * process open only while a run uses it. Once it fails, its runs fail and it is not used again.
 */
class ReplayThread {
  private readonly worker = new Worker(threadBoot, { eval: true });
  private readonly runs = new Map<number, (m: FromThread) => void>();
  broken = false;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (m: FromThread) => this.runs.get(m.run)?.(m));
    this.worker.on('error', (err) => this.fail(err.message));
    this.worker.on('exit', (code) => this.fail(`the replay thread exited (${code})`));
  }

  private fail(message: string) {
    this.broken = true;
    for (const [run, listener] of this.runs) listener({ run, kind: 'failed', message });
  }

  listen(run: number, listener: (m: FromThread) => void) {
    if (this.runs.size === 0) this.worker.ref();
    this.runs.set(run, listener);
  }

  forget(run: number) {
    this.runs.delete(run);
    if (this.runs.size === 0) this.worker.unref();
  }

  post(m: ToThread) {
    this.worker.postMessage(m);
  }
}

let threads: ReplayThread[] = [];
let runs = 0;

/** The two replay threads, started on the first dry run (and again after one failed). */
function replayThreads(): [ReplayThread, ReplayThread] {
  threads = threads.filter((t) => !t.broken);
  while (threads.length < 2) threads.push(new ReplayThread());
  return [threads[0]!, threads[1]!];
}

/**
 * Starts the two replay threads and has each replay a made-up week under a plain and a busy
 * strategy: the API calls it before it listens, so the first dry run does not pay for starting
 * threads, compiling the replay's code and reading the common zones' clocks (~1 s).
 */
export async function warmDryRun(now = Date.now()): Promise<void> {
  const common = { campaignId: 'warm', strategyVersion: 1, until: now, ceiling: DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY };
  const plans = [
    { ...common, strategy: parseStrategy({}) },
    {
      ...common,
      strategy: parseStrategy({
        maxAttempts: 4,
        redialDelaysMinutes: [30, 240],
        blockedWindows: [{ start: '11:00', end: '13:00' }, { start: '17:00', end: '19:00' }],
        sms: { afterUnansweredCalls: 2, text: 'We tried to reach you' },
      }),
    },
  ];
  await Promise.all(
    replayThreads().map((thread) => {
      const run = ++runs;
      return new Promise<void>((resolve, reject) => {
        thread.listen(run, (m) => {
          thread.forget(run);
          if (m.kind === 'failed') reject(new Error(`dry run warm-up failed: ${m.message}`));
          else resolve();
        });
        thread.post({ run, kind: 'warm', plans });
      });
    }),
  );
}

/** One strategy's replay on a thread: fed batch by batch, then asked for its tally. */
class ThreadReplay {
  private waiting = 0;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private readonly result: Promise<DryRunResult>;

  constructor(private readonly thread: ReplayThread, private readonly run: number, plan: DryRunPlan) {
    this.result = new Promise((resolve, reject) => {
      thread.listen(run, (m) => {
        if (m.kind === 'replayed') this.waiting--;
        else {
          thread.forget(run);
          if (m.kind === 'done') resolve(m.result);
          else reject((this.failure = new Error(`dry run replay failed: ${m.kind === 'failed' ? m.message : m.kind}`)));
        }
        this.wake?.();
      });
    });
    // a failure is thrown by the next feed, or by the tally
    this.result.catch(() => undefined);
    thread.post({ run, kind: 'start', plan });
  }

  async feed(rows: string[]) {
    while (this.waiting >= AHEAD && !this.failure) await new Promise<void>((r) => (this.wake = r));
    if (this.failure) throw this.failure;
    this.waiting++;
    this.thread.post({ run: this.run, kind: 'contacts', rows });
  }

  tally(): Promise<DryRunResult> {
    this.thread.post({ run: this.run, kind: 'end' });
    return this.result;
  }

  abort() {
    this.thread.forget(this.run);
    this.thread.post({ run: this.run, kind: 'abort' });
  }
}

/**
 * The batches of a cursor, each next one asked for as soon as the one before arrives: PostgreSQL
 * reads it while this one waits for room on the replay threads. Stopped early, the cursor is
 * closed once the pending read lands.
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  let finished = false;
  try {
    for (;;) {
      const r = await next;
      if (r.done) {
        finished = true;
        return;
      }
      next = it.next();
      yield r.value;
    }
  } finally {
    if (!finished) {
      await next.catch(() => undefined);
      await it.return?.();
    }
  }
}

function minus<K extends string>(a: Record<K, number>, b: Record<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<K>) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function difference(c: DryRunResult, a: DryRunResult): DryRunReport['difference'] {
  const days = new Map<string, { calls: number; sms: number }>();
  for (const [sign, r] of [[1, c], [-1, a]] as const) {
    for (const d of r.perDay) {
      const x = days.get(d.day) ?? { calls: 0, sms: 0 };
      x.calls += sign * d.calls;
      x.sms += sign * d.sms;
      days.set(d.day, x);
    }
  }
  const cps = (r: DryRunResult) => Object.fromEntries(Object.entries(r.peakCps).map(([tier, p]) => [tier, p.cps]));
  return {
    calls: c.calls - a.calls,
    sms: c.sms - a.sms,
    missedDeadlines: c.missedDeadlines.count - a.missedDeadlines.count,
    perDay: [...days].filter(([, d]) => d.calls || d.sms).sort(([x], [y]) => (x < y ? -1 : 1)).map(([day, d]) => ({ day, ...d })),
    refusals: minus(c.refusals, a.refusals),
    peakCps: minus(cps(c), cps(a)),
  };
}

export async function dryRunStrategy(
  { db, tenant }: DryRunDeps,
  input: { campaignId: string; strategy: unknown; days: number; now?: number; ceiling?: number },
): Promise<DryRunReport> {
  const started = performance.now();
  const active = await activeStrategy(db, input.campaignId);
  if (!active) throw unknownCampaign(input.campaignId);
  const strategy = parseStrategy(input.strategy);
  const to = input.now ?? Date.now();
  const from = to - input.days * 86_400_000;
  const ceiling = input.ceiling ?? DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY;
  const common = { campaignId: input.campaignId, until: to, ceiling };
  const run = ++runs;
  const [candidateThread, activeThread] = replayThreads();
  const candidate = new ThreadReplay(candidateThread, run, { ...common, strategy, strategyVersion: active.version + 1 });
  const current = new ThreadReplay(activeThread, run, { ...common, strategy: active.strategy, strategyVersion: active.version });
  try {
    for await (const rows of readAhead(campaignHistory(db, { tenant, campaignId: input.campaignId, from: new Date(from), to: new Date(to) }))) {
      await Promise.all([candidate.feed(rows), current.feed(rows)]);
    }
  } catch (err) {
    candidate.abort();
    current.abort();
    throw err;
  }
  const [c, a] = await Promise.all([candidate.tally(), current.tally()]);
  return {
    campaignId: input.campaignId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    activeVersion: active.version,
    candidate: c,
    active: a,
    difference: difference(c, a),
    elapsedMs: Math.round(performance.now() - started),
  };
}
