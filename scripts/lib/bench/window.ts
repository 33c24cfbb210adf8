/**
 * The bench's window phase: `count` cadences sleep in quiet hours that end for all of them at the
 * same minute (contacts in one zone, a campaign whose quiet hours end a few minutes after they are
 * all asleep), then the window opens. Measures how the dials spread (the strategy's jitter, the
 * worker and the server's pace), whether the server timed out any workflow task or activity (a
 * sample of histories), and, from the simulator's call log, that no call came before the window
 * and no reservation was dialled twice. Stops once all were dialled or after `maxMinutes`.
 */
import type { Client } from '@temporalio/client';
import type { Sim } from '../../../sim/server';
import { defaultStrategy } from '../../../domain/strategy';
import { CAMPAIGN } from '../../../workflows/search-attributes';
import { callLog } from './calls';
import { cohortPhones, createCampaign, followCohort, importCohort, type Api } from './cohort';
import { describeTimeouts, sample, timeoutsIn } from './histories';
import { loadAverage, log, pct, sleep } from './measure';
import { describe, footprint, type Measured } from './sleepers';

const ZONE = 'Etc/UTC';
const hm = (t: number) => new Date(t).toISOString().slice(11, 16);

export async function windowPhase(
  api: Api,
  temporal: Client,
  sim: Sim,
  m: Measured,
  count: number,
  opts: { startsPerSecond: number; maxMinutes: number; historySample: number; jitterSeconds?: number },
): Promise<void> {
  const campaignId = 'bench-window';
  // the window opens on a whole minute, once the cohort is surely asleep (at the start rate just measured, with a margin)
  const opensAt = Math.ceil((Date.now() + (count / opts.startsPerSecond) * 1500 + 90_000) / 60_000) * 60_000;
  const jitter = opts.jitterSeconds ?? defaultStrategy.jitterSeconds;
  await createCampaign(api, campaignId, { quietHours: { start: hm(opensAt - 6 * 3600_000), end: hm(opensAt) }, jitterSeconds: jitter });
  const phones = cohortPhones('212', count);
  const numbers = new Set(phones);
  const e = await importCohort(api, campaignId, phones, ZONE);
  log(`window: ${count} contacts in ${ZONE} imported (${e.postSeconds.toFixed(1)} s); their quiet hours end at ${hm(opensAt)} UTC, in ${((opensAt - Date.now()) / 1000).toFixed(0)} s; the strategy's jitter: up to ${jitter} s`);
  const { asleepAt } = await followCohort(api, temporal, campaignId, e, count, { everyMs: 2000, timeoutMs: Math.max(0, opensAt - Date.now() - 5000), tick: () => undefined });
  if (Number.isNaN(asleepAt)) log(`window: not all ${count} cadences were asleep 5 s before the window opened: the late ones add to the herd`);
  else log(`window: all ${count} asleep after ${((asleepAt - e.startedAt) / 1000).toFixed(0)} s (${(count / ((asleepAt - e.startedAt) / 1000)).toFixed(0)}/s)`);
  // the ids now: a cadence whose follow-up is done no longer names the campaign in visibility
  const ids: string[] = [];
  for await (const w of temporal.workflow.list({ query: `WorkflowType = 'cadence' AND ${CAMPAIGN.name} = '${campaignId}'` })) ids.push(w.workflowId);
  await sleep(opensAt - Date.now());
  log(`window: open (${hm(opensAt)} UTC); load average ${loadAverage()}`);

  const until = opensAt + opts.maxMinutes * 60_000;
  let seen = 0;
  while (Date.now() < until) {
    await sleep(30_000);
    const dialled = callLog(sim.calls.values(), numbers).first.size;
    log(`window: +${((Date.now() - opensAt) / 1000).toFixed(0)} s: ${dialled}/${count} dialled (${((dialled - seen) / 30).toFixed(1)}/s over the last 30 s); ${describe(footprint(m))}`);
    seen = dialled;
    if (dialled >= count) break;
  }
  const calls = callLog(sim.calls.values(), numbers);
  const times = [...calls.first.values()];
  const early = times.filter((t) => t < opensAt).length;
  const delays = times.map((t) => (t - opensAt) / 1000);
  const perSecond = new Map<number, number>();
  for (const d of delays) perSecond.set(Math.floor(d), (perSecond.get(Math.floor(d)) ?? 0) + 1);
  const perMinute = new Map<number, number>();
  for (const d of delays) perMinute.set(Math.floor(d / 60), (perMinute.get(Math.floor(d / 60)) ?? 0) + 1);
  const minutes = Math.max(0, ...perMinute.keys());
  const first = Math.min(...delays);
  const last = Math.max(...delays);
  log(
    `window: ${times.length}/${count} dialled ${times.length < count ? `when the phase stopped after ${opts.maxMinutes} min` : `in ${(last / 60).toFixed(1)} min`}; ` +
      `calls before the window: ${early}; reservations dialled twice: ${calls.doubleDialled}; numbers called more than once: ${calls.calledAgain}`,
  );
  if (times.length) {
    log(
      `window: first dial +${first.toFixed(1)} s, last +${last.toFixed(1)} s after it opened; peak ${Math.max(...perSecond.values())} dials in one second, ` +
        `mean ${(times.length / Math.max(1, last - first)).toFixed(1)}/s; delay after the window opened p50 ${pct(delays, 50).toFixed(0)} s, p99 ${pct(delays, 99).toFixed(0)} s`,
    );
    log(`window: dials per minute after it opened: ${Array.from({ length: minutes + 1 }, (_, i) => perMinute.get(i) ?? 0).join(', ')}`);
  }
  const t = await timeoutsIn(temporal, sample(ids, opts.historySample));
  log(`window: server timeouts in a sample of ${describeTimeouts(t)}`);
}
