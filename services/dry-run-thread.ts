/**
 * A replay thread of the strategy dry run (worker_threads): it replays one plan (a strategy) over
 * the contacts services/dry-run.ts streams to it and answers the tally. A dry run's candidate and
 * active strategy replay at once on two of them, and the API's own thread only reads PostgreSQL.
 * The threads are kept between dry runs; each run is told apart by its number.
 */
import { parentPort } from 'node:worker_threads';
import { parseHistory } from '../db/queries/dry-run';
import { DryRunTally, replayContact, type DryRunPlan, type DryRunResult } from '../domain/dry-run';

export type ToThread =
  | { run: number; kind: 'start'; plan: DryRunPlan }
  /** A batch of the history query's rows (db/queries/dry-run.ts). */
  | { run: number; kind: 'contacts'; rows: string[] }
  | { run: number; kind: 'end' }
  | { run: number; kind: 'abort' }
  /** Replay a made-up history under these plans, so the first real dry run finds the code compiled. */
  | { run: number; kind: 'warm'; plans: DryRunPlan[] };

export type FromThread =
  /** A batch of contacts replayed: the next may come (the reader never runs far ahead of the replay). */
  | { run: number; kind: 'replayed' }
  | { run: number; kind: 'warmed' }
  | { run: number; kind: 'done'; result: DryRunResult }
  | { run: number; kind: 'failed'; message: string };

const runs = new Map<number, { plan: DryRunPlan; tally: DryRunTally }>();
const port = parentPort!;

/** Zones most campaigns call into: their local-time readings for the days around now are cached too. */
const WARM_ZONES = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'America/Sao_Paulo', 'Europe/London', 'Europe/Berlin', 'Asia/Shanghai', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney'];
const WARM_OUTCOMES = ['no-answer', 'busy', 'answered', 'machine', 'converted', 'opted-out', null];

/** A week of made-up history up to the plans' end: 2,000 contacts, two events each, some calls. */
function warmRows(until: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < 2_000; i++) {
    const first = until - 6 * 3_600_000 - ((i * 7919) % 10_000) * 51_840;
    const events = [
      [`w${i}-1`, 'lead.created', first, first],
      [`w${i}-2`, i % 3 ? 'cart.abandoned' : 'order.paid', first + 5 * 3_600_000, first + 5 * 3_600_000],
    ];
    const calls = [[WARM_OUTCOMES[i % 7], null], [WARM_OUTCOMES[(i + 3) % 7], i % 11 ? null : first + 86_400_000]];
    rows.push(JSON.stringify([`warm-${i}`, WARM_ZONES[i % WARM_ZONES.length], i % 10 ? [] : ['high-value'], events, calls, i % 13 ? null : first + 3_600_000]));
  }
  return rows;
}

function handle(m: ToThread): FromThread | null {
  if (m.kind === 'warm') {
    for (const plan of m.plans) {
      const tally = new DryRunTally();
      for (const c of parseHistory(warmRows(plan.until))) replayContact(c, plan, tally);
      tally.result();
    }
    return { run: m.run, kind: 'warmed' };
  }
  if (m.kind === 'start') {
    runs.set(m.run, { plan: m.plan, tally: new DryRunTally() });
    return null;
  }
  if (m.kind === 'abort') {
    runs.delete(m.run);
    return null;
  }
  const r = runs.get(m.run);
  // a run that failed here already said so
  if (!r) return null;
  if (m.kind === 'end') {
    runs.delete(m.run);
    return { run: m.run, kind: 'done', result: r.tally.result() };
  }
  for (const c of parseHistory(m.rows)) replayContact(c, r.plan, r.tally);
  return { run: m.run, kind: 'replayed' };
}

port.on('message', (m: ToThread) => {
  let reply: FromThread | null;
  try {
    reply = handle(m);
  } catch (err) {
    runs.delete(m.run);
    reply = { run: m.run, kind: 'failed', message: (err as Error).message };
  }
  if (reply) port.postMessage(reply);
});
