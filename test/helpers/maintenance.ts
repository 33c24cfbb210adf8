/** Maintenance runs as GET /v1/maintenance/runs shows them, and a schedule triggered by hand until its run is recorded. */
import assert from 'node:assert/strict';
import { eventually, type System } from './system';

export type Check = { name: string; status: string; summary: string; detail?: unknown };
export type Run = { id: number; routine: string; status: string; results: Check[] };

/** The newest run of a routine (daily, weekly, monthly), if there is one. */
export async function latestRun(sys: Pick<System, 'call'>, routine: string): Promise<Run | undefined> {
  return ((await (await sys.call('GET', `/v1/maintenance/runs?routine=${routine}`)).json()) as { runs: Run[] }).runs[0];
}

/** Triggers a maintenance schedule (`maintenance-daily`, …) and waits for the run it adds. */
export async function triggerRun(sys: Pick<System, 'call'>, schedule: string, timeoutMs: number): Promise<Run> {
  const routine = schedule.replace('maintenance-', '');
  const before = (await latestRun(sys, routine))?.id ?? 0;
  const res = await sys.call('POST', `/v1/maintenance/schedules/${schedule}/trigger`);
  assert.equal(res.status, 200, await res.clone().text());
  return eventually(async () => {
    const r = await latestRun(sys, routine);
    return r && r.id > before ? r : null;
  }, timeoutMs, `a ${routine} run`);
}
