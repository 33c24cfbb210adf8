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
  | { run: number; kind: 'abort' };

export type FromThread =
  /** A batch of contacts replayed: the next may come (the reader never runs far ahead of the replay). */
  | { run: number; kind: 'replayed' }
  | { run: number; kind: 'done'; result: DryRunResult }
  | { run: number; kind: 'failed'; message: string };

const runs = new Map<number, { plan: DryRunPlan; tally: DryRunTally }>();
const port = parentPort!;

function handle(m: ToThread): FromThread | null {
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
