/**
 * The bench's sleep phase: `count` cadences fall asleep until tomorrow's window (contacts at 23:00
 * local, the default quiet hours until 08:00), started the way a user with that many leads starts
 * them: one bulk import. Measures the start rate, the worker's RSS during and after (it should not
 * grow with the count: the sticky cache is bounded), the Temporal server's RSS and its SQLite
 * file on disk, before and after, per cadence.
 */
import type { Client } from '@temporalio/client';
import { zoneAtLocalHour } from '../../../domain/local-time';
import { importWorkflowId } from '../../../workflows/constants';
import { asleep, cohortPhones, createCampaign, followCohort, importCohort, type Api } from './cohort';
import { callLog } from './calls';
import type { Sim } from '../../../sim/server';
import { log, mb, rssKb, sleep, sqliteBytes, treeCpuSec, treeRssKb } from './measure';

export interface Measured {
  apiPid?: number;
  postgresPid?: number;
  workerPids: Array<number | undefined>;
  temporalPid?: number;
  temporalDbFile?: string;
}

export interface Footprint {
  workerKb: number;
  apiKb: number;
  temporalKb: number;
  diskBytes: number;
}

export function footprint(m: Measured): Footprint {
  return {
    workerKb: m.workerPids.reduce<number>((s, pid) => s + treeRssKb(pid), 0),
    apiKb: treeRssKb(m.apiPid),
    temporalKb: rssKb(m.temporalPid),
    diskBytes: m.temporalDbFile ? sqliteBytes(m.temporalDbFile) : NaN,
  };
}

export const describe = (f: Footprint) => `worker RSS ${mb(f.workerKb)}, api RSS ${mb(f.apiKb)}, Temporal RSS ${mb(f.temporalKb)}, Temporal file ${(f.diskBytes / 2 ** 20).toFixed(0)} MiB`;


/** CPU seconds so far of each part, to divide by the cadences started meanwhile. */
const cpuOf = (m: Measured): Record<'worker' | 'temporal' | 'api' | 'postgres', number> => ({
  worker: m.workerPids.reduce<number>((s, pid) => s + treeCpuSec(pid), 0),
  temporal: treeCpuSec(m.temporalPid),
  api: treeCpuSec(m.apiPid),
  postgres: treeCpuSec(m.postgresPid),
});

export interface SleepResult {
  /** Cadences started (enrolled: signalled-with-start) per second. */
  perSecond: number;
}

export async function sleepPhase(api: Api, temporal: Client, sim: Sim, m: Measured, count: number, opts: { timeoutMs: number }): Promise<SleepResult> {
  const before = footprint(m);
  log(`sleep: before: ${describe(before)}`);
  const campaignId = 'bench-sleep';
  const cpu0 = cpuOf(m);
  await createCampaign(api, campaignId);
  const phones = cohortPhones('646', count);
  const e = await importCohort(api, campaignId, phones, zoneAtLocalHour(23, Date.now()));
  log(`sleep: POST /v1/contacts/import of ${count} rows answered in ${e.postSeconds.toFixed(1)} s (contacts written; enrolment runs in the background)`);
  const marks = [0.1, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * count));
  let workerMin = Infinity;
  let workerMax = 0;
  let enrolledNow = 0;
  const { enrolledAt, asleepAt } = await followCohort(api, temporal, campaignId, e, count, {
    everyMs: 2000,
    timeoutMs: opts.timeoutMs,
    tick: ({ enrolled, asleep }) => {
      enrolledNow = enrolled;
      const f = footprint(m);
      workerMin = Math.min(workerMin, f.workerKb);
      workerMax = Math.max(workerMax, f.workerKb);
      while (marks.length && asleep >= marks[0]!) log(`sleep: ${String(marks.shift()).padStart(6)} asleep (${enrolled} enrolled) after ${((Date.now() - e.startedAt) / 1000).toFixed(0)} s: ${describe(f)}`);
    },
  });
  let n = count;
  let seconds = (asleepAt - e.startedAt) / 1000;
  let rate = count / ((enrolledAt - e.startedAt) / 1000);
  if (Number.isNaN(asleepAt)) {
    // the bench stops by itself: the rest of the enrolment is called off, and the figures are per cadence reached
    const stoppedAt = Date.now();
    await temporal.workflow.getHandle(importWorkflowId(e.importId)).terminate('bench: the sleep phase ran out of time');
    const atStop = await asleep(temporal, campaignId);
    for (let last = -1; n !== last; await sleep(5000)) [last, n] = [n, await asleep(temporal, campaignId)];
    seconds = (stoppedAt - e.startedAt) / 1000;
    log(
      `sleep: when the phase ran out of time (${opts.timeoutMs / 60_000} min): ${enrolledNow} of ${count} enrolled = ${(enrolledNow / seconds).toFixed(0)}/s, ${atStop} seen asleep in visibility (it lags); ` +
        `the enrolment was stopped, ${n} asleep in the end: the figures below are per cadence reached`,
    );
    n = Math.max(n, 1);
    rate = enrolledNow / seconds;
  } else log(`sleep: ${count} cadences started through the bulk import in ${seconds.toFixed(0)} s = ${(count / seconds).toFixed(0)}/s (enrolment done after ${((enrolledAt - e.startedAt) / 1000).toFixed(0)} s; all asleep after ${seconds.toFixed(0)} s)`);
  const cpu1 = cpuOf(m);
  log(`sleep: CPU per cadence started: ${(['worker', 'temporal', 'api', 'postgres'] as const).map((k) => `${k} ${(((cpu1[k] - cpu0[k]) * 1000) / n).toFixed(1)} ms`).join(', ')}`);
  await sleep(30_000); // after: the server and the worker settle
  const after = footprint(m);
  log(`sleep: 30 s after: ${describe(after)}`);
  log(`sleep: worker RSS ${mb(before.workerKb)} before, ${mb(workerMin)}–${mb(workerMax)} during, ${mb(after.workerKb)} after`);
  log(
    `sleep: per cadence: Temporal RSS +${((after.temporalKb - before.temporalKb) / n).toFixed(1)} KiB, Temporal file +${((after.diskBytes - before.diskBytes) / 1024 / n).toFixed(1)} KiB ` +
      `(${mb(before.temporalKb)} → ${mb(after.temporalKb)}; ${(before.diskBytes / 2 ** 20).toFixed(0)} → ${(after.diskBytes / 2 ** 20).toFixed(0)} MiB)`,
  );
  log(`sleep: calls to the sleeping cohort (none expected before tomorrow): ${callLog(sim.calls.values(), new Set(phones)).total}`);
  return { perSecond: rate };
}
