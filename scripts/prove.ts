/**
 * `npm run prove`: the compliance rules as invariants over 10^5 random sequences (events for up
 * to three campaigns, call and SMS outcomes, opt-outs, pauses, time-zone changes, strategy
 * versions, a random per-person ceiling) driven through the cadence state machine and judged by an
 * independent oracle (test/helpers/compliance.ts). Prints the seed first: a failure replays with
 * `npm run prove -- --seed=<seed> --path=<path>`. Exits non-zero on any violation.
 *
 * Options (flag or environment variable):
 *   --runs=N    PROVE_RUNS   sequences (100000)
 *   --seed=N    PROVE_SEED   the random seed (a fresh one by default)
 *   --path=P    PROVE_PATH   replay one failing case (with its seed)
 */
import fc from 'fast-check';
import { runScenario, scenarioArb, violations } from '../test/helpers/compliance';

function option(name: string, env: string): string | undefined {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag ? flag.slice(name.length + 3) : process.env[env] || undefined;
}

const runs = Number(option('runs', 'PROVE_RUNS') ?? 100_000);
const seed = Number(option('seed', 'PROVE_SEED') ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);
const replayPath = option('path', 'PROVE_PATH');
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${option('runs', 'PROVE_RUNS')}`);

console.log(`[prove] ${runs} sequences, seed ${seed}${replayPath ? `, path ${replayPath}` : ''}`);
const t0 = performance.now();
const totals = { sequences: 0, calls: 0, texts: 0, refusals: 0, optOuts: 0, activations: 0, misses: 0, handedOff: 0 };
let lastReport = t0;
const result = fc.check(
  fc.property(scenarioArb, (sc) => {
    const run = runScenario(sc);
    totals.sequences++;
    totals.calls += run.granted.filter((g) => g.channel === 'call').length;
    totals.texts += run.granted.filter((g) => g.channel === 'sms').length;
    totals.refusals += run.refused.length;
    totals.activations += run.activations;
    if (run.optedOutAt !== null) totals.optOuts++;
    totals.misses += run.misses.size;
    totals.handedOff += [...run.misses.values()].filter((m) => m.action === 'handed-off').length;
    if (performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      console.log(`[prove] ${totals.sequences} sequences checked (${((lastReport - t0) / 60_000).toFixed(1)} min)`);
    }
    const found = violations(sc, run);
    if (found.length) throw new Error(found.join('\n'));
  }),
  { numRuns: runs, seed, ...(replayPath ? { path: replayPath } : {}) },
);
const minutes = (performance.now() - t0) / 60_000;
console.log(`\nprove: ${totals.sequences} sequences in ${minutes.toFixed(1)} min (seed ${seed})`);
console.log(`  calls granted ${totals.calls}, SMS granted ${totals.texts}, gate refusals ${totals.refusals} (strategy versions switched ${totals.activations}), sequences with an opt-out ${totals.optOuts}, deadlines missed ${totals.misses} (handed off ${totals.handedOff})`);
if (result.failed) {
  console.log(`  violations: 1 or more — the first, shrunk:\n${fc.defaultReportMessage(result)}`);
  console.log(`  replay: npm run prove -- --seed=${result.seed} --path=${result.counterexamplePath}`);
  process.exit(1);
}
console.log('  violations 0');
