/**
 * Random histories through the real workflow code: a few hundred people with random time zones,
 * campaigns (random strategies, SMS in some), triggers, carrier outcomes and opt-outs, run
 * together on the time-skipping server with the real gate on PostgreSQL for three days. What the
 * carrier was asked to do is judged by the independent oracle (no call or SMS in quiet hours,
 * blocked windows or holidays, over the shared daily budget, after an opt-out), and every history
 * produced replays on the same code without a non-determinism error. The seed is printed;
 * REDIAL_RANDOM_SEED replays a run, REDIAL_RANDOM_CADENCES sets how many people.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { inArray } from 'drizzle-orm';
import { attempts } from '../db/schema';
import type { Outcome } from '../domain/cadence-state';
import type { Strategy } from '../domain/strategy';
import { strategyArb, zones } from './helpers/arbitraries';
import { oracleForbids, oracleLocal } from './helpers/oracle';
import { replayOnCurrentCode } from './helpers/record';
import { startTimeSkipping, type TimeSkipping } from './helpers/timeskip';

const PEOPLE = Number(process.env.REDIAL_RANDOM_CADENCES ?? 200);
const SEED = Number(process.env.REDIAL_RANDOM_SEED ?? Date.now() % 2_147_483_647);
const HOUR = 3_600_000;
const HORIZON = 3 * 24 * HOUR;
/** The worker's per-person ceiling in this environment (the default). */
const CEILING = 2;
const CAMPAIGNS = 4;
/** Real time one skip may take before the test server counts as wedged. */
const STALL_MS = 120_000;

interface Person {
  phone: string;
  tz: string;
  outcome: Outcome;
  /** [offset from the start, campaign index] per trigger; an opt-out offset or none. */
  triggers: Array<[number, number]>;
  optOutAt: number | null;
}

const personArb = (i: number): fc.Arbitrary<Person> =>
  fc.record({
    phone: fc.constant(`+1312${String(5_000_000 + i).padStart(7, '0')}`),
    tz: fc.constantFrom(...zones),
    outcome: fc.constantFrom<Outcome>('no-answer', 'no-answer', 'no-answer', 'busy', 'machine', 'answered', 'converted', 'opted-out'),
    triggers: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 * 24 * HOUR }), fc.integer({ min: 0, max: CAMPAIGNS - 1 })), { minLength: 1, maxLength: 3 }),
    optOutAt: fc.option(fc.integer({ min: 0, max: HORIZON }), { nil: null, freq: 4 }),
  });

describe(`random histories through the real cadence workflow (${PEOPLE} people, seed ${SEED})`, () => {
  let ts: TimeSkipping;
  before(async () => {
    ts = await startTimeSkipping();
  });
  after(async () => {
    await ts?.stop();
  });

  test('no rule broken by what the carrier was asked, and every history replays', { timeout: 15 * 60_000 }, async () => {
    console.log(`[random-cadences] seed ${SEED}: REDIAL_RANDOM_SEED=${SEED} replays this run`);
    const rng = { seed: SEED };
    const start = await ts.now();
    const strategies: Strategy[] = fc.sample(strategyArb(start, { min: 1, max: 3 }), { numRuns: CAMPAIGNS, seed: rng.seed });
    for (const [i, s] of strategies.entries()) await ts.campaign(`rand-${i}`, s);
    const people = fc.sample(fc.tuple(...Array.from({ length: PEOPLE }, (_, i) => personArb(i))), { numRuns: 1, seed: rng.seed + 1 })[0]!;
    for (const p of people) ts.script.set(p.phone, p.outcome);

    // one timeline for everyone: the test server's clock is shared
    type Step = { at: number; run: () => Promise<unknown> };
    const steps: Step[] = [];
    const optedOut = new Map<string, number>();
    const workflows = new Set<string>();
    for (const p of people) {
      for (const [at, c] of p.triggers) {
        steps.push({ at, run: async () => workflows.add((await ts.event({ phone: p.phone, timeZone: p.tz, type: 'lead.created', campaignId: `rand-${c}`, strategy: strategies[c] })).workflowId) });
      }
      // an opt-out only for someone who has a cadence by then (an operator opts out someone they know)
      const first = Math.min(...p.triggers.map(([at]) => at));
      if (p.optOutAt !== null && p.optOutAt > first) {
        steps.push({
          at: p.optOutAt,
          run: async () => {
            // the DNC row is written first; a cadence that already finished has nobody to tell
            await ts.optOut(p.phone).catch((err: Error) => {
              if (err.name !== 'WorkflowNotFoundError') throw err;
            });
            // acknowledged: no carrier request may start after this (one started before may still be on its way)
            optedOut.set(p.phone, await ts.now());
          },
        });
      }
    }
    steps.sort((a, b) => a.at - b.at);
    // The test server can wedge (an activity cancelled in the workflow task where it fails,
    // temporalio/sdk-java#2391; the real server handles it): time then stops skipping. A skip that
    // takes minutes of real time ends the timeline there; what the carrier was asked so far is judged.
    let wedgedAt: number | null = null;
    const advance = async (ms: number) => {
      // a skip left pending on a wedged server fails at tear-down ("Channel has been shut down"): handled here
      const skip = ts.sleep(ms).then(() => true, () => false);
      const skipped = await Promise.race([skip, new Promise<false>((r) => setTimeout(() => r(false), STALL_MS).unref())]);
      if (!skipped) wedgedAt = await ts.now();
      return skipped;
    };
    for (const s of steps) {
      const wait = start + s.at - (await ts.now());
      if (wait > 0 && !(await advance(wait))) break;
      await s.run();
    }
    if (wedgedAt === null) await advance(start + HORIZON - (await ts.now()));
    if (wedgedAt !== null) console.log(`[random-cadences] the time-skipping server stopped skipping at +${((wedgedAt - start) / HOUR).toFixed(1)} h (temporalio/sdk-java#2391): judging the calls until then, no replay`);

    // the carrier's record, judged by the oracle
    const tzOf = new Map(people.map((p) => [p.phone, p.tz]));
    const rows = ts.dials.length ? await ts.db.select({ id: attempts.id, campaignId: attempts.campaignId }).from(attempts).where(inArray(attempts.id, ts.dials.map((d) => d.attemptId))) : [];
    const campaignOf = new Map(rows.map((r) => [r.id, r.campaignId]));
    const used = new Map<string, number>();
    const problems: string[] = [];
    for (const d of [...ts.dials].sort((a, b) => a.at - b.at)) {
      const tz = tzOf.get(d.phone);
      if (!tz) continue; // another test's number
      const strategy = strategies[Number(campaignOf.get(d.attemptId)!.slice('rand-'.length))]!;
      const day = oracleLocal(d.at, tz).date;
      const key = `${d.phone}|${day}`;
      const before = used.get(key) ?? 0;
      const rule = oracleForbids(d.at, tz, strategy, () => before, CEILING);
      if (rule) problems.push(`${d.channel} #${before + 1} of ${day} at ${new Date(d.at).toISOString()} (${tz}) breaks ${rule}`);
      used.set(key, before + 1);
      const out = optedOut.get(d.phone);
      if (out !== undefined && d.at > out) problems.push(`${d.channel} at ${new Date(d.at).toISOString()} after the opt-out at ${new Date(out).toISOString()}`);
      if (d.channel === 'sms' && !strategy.sms) problems.push(`an SMS under a strategy without SMS`);
    }
    assert.deepEqual(problems, [], `seed ${SEED}`);
    const mine = ts.dials.filter((d) => tzOf.has(d.phone));
    if (wedgedAt !== null) return;
    assert.ok(mine.length > PEOPLE / 2, `the run must dial to prove anything (${mine.length} dials)`);

    // every history replays on this code
    const histories = await Promise.all([...workflows].map(async (workflowId) => ({ workflowId, history: await ts.env.client.workflow.getHandle(workflowId).fetchHistory() })));
    const { replayed, failures } = await replayOnCurrentCode(histories);
    assert.equal(replayed, workflows.size);
    assert.deepEqual(failures, [], `seed ${SEED}`);
    console.log(`[random-cadences] ${workflows.size} cadences, ${mine.length} calls and texts (${mine.filter((d) => d.channel === 'sms').length} SMS), ${optedOut.size} opt-outs, ${replayed} histories replayed`);
  });
});
