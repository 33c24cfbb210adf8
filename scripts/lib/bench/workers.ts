/**
 * BENCH_WORKERS: how the work spread between worker processes polling the one task queue, from
 * each worker's own /metrics (calls it placed, activities and workflow tasks it ran), and that the
 * carrier saw no reservation dialled twice (the simulator's call log).
 */
import type { Sim } from '../../../sim/server';
import { callLog } from './calls';
import { log } from './measure';

/** The sum over every series of a metric in a Prometheus text exposition. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

/** What each worker counted: Redial's calls placed, the Temporal SDK's activity and workflow task executions. */
const COUNTED = [
  ['calls placed', 'redial_calls_placed_total'],
  ['activities', 'temporal_activity_execution_latency_count'],
  ['local activities', 'temporal_local_activity_execution_latency_count'],
  ['workflow tasks', 'temporal_workflow_task_execution_latency_count'],
] as const;

export async function workerSpread(workers: Array<{ metricsUrl: string }>, sim: Sim): Promise<void> {
  const totals = COUNTED.map(() => 0);
  const rows: number[][] = [];
  for (const w of workers) {
    const text = await fetch(w.metricsUrl).then((r) => r.text());
    const row = COUNTED.map(([, name]) => metricSum(text, name));
    row.forEach((n, i) => (totals[i]! += n));
    rows.push(row);
  }
  rows.forEach((row, i) => log(`worker ${i + 1}: ${row.map((n, j) => `${COUNTED[j]![0]} ${n} (${((n / Math.max(totals[j]!, 1)) * 100).toFixed(0)}%)`).join(', ')}`));
  const all = callLog(sim.calls.values(), new Set([...sim.calls.values()].map((c) => c.to)));
  log(`workers: ${all.total} calls on the carrier's side; reservations dialled twice: ${all.doubleDialled}; numbers called more than once: ${all.calledAgain}`);
}
