/**
 * `npm run soak`: the whole system under steady traffic while its parts are killed and restarted,
 * then three records reconciled (the carrier's call log, PostgreSQL, Temporal). Exits non-zero on
 * any lost event, doubled call or compliance violation. Everything runs on 127.0.0.1 and stops at
 * the end, also on Ctrl-C.
 *
 * Options (flag or environment variable):
 *   --minutes=N          SOAK_MINUTES         minutes of traffic (10)
 *   --rate=N             SOAK_RATE            events offered per second (2)
 *   --faults=a,b|all|none SOAK_FAULTS         worker-kill, api-kill, temporal-restart, postgres-restart,
 *                                              carrier-5xx, carrier-hang, callback-delay (all)
 *   --fault-interval=S   SOAK_FAULT_INTERVAL  seconds between faults (60); they cycle while traffic lasts
 *   --burst=S            SOAK_BURST           seconds a carrier burst lasts (15)
 *   --drain=S            SOAK_DRAIN           longest wait after traffic for allowed events to be dialled (180)
 *   --time-scale=X       SOAK_TIME_SCALE      simulator seconds per call second (0.01)
 */
import { parseFaults } from './lib/soak/faults';
import { defaultSoakOptions, runSoak, type SoakOptions } from './lib/soak/run';

function option(name: string, env: string): string | undefined {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag ? flag.slice(name.length + 3) : process.env[env];
}

function number(name: string, env: string, fallback: number): number {
  const v = option(name, env);
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} / ${env} must be a positive number, got "${v}"`);
  return n;
}

async function main() {
  const log = (m: string) => console.log(`[soak] ${m}`);
  const controller = new AbortController();
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: leave now
    interrupted = true;
    log('interrupted: stopping everything the soak started');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const d = defaultSoakOptions;
  const opts: SoakOptions = {
    ...d,
    minutes: number('minutes', 'SOAK_MINUTES', d.minutes),
    rate: number('rate', 'SOAK_RATE', d.rate),
    faults: parseFaults(option('faults', 'SOAK_FAULTS')),
    faultIntervalSec: number('fault-interval', 'SOAK_FAULT_INTERVAL', d.faultIntervalSec),
    burstMs: number('burst', 'SOAK_BURST', d.burstMs / 1000) * 1000,
    drainSec: number('drain', 'SOAK_DRAIN', d.drainSec),
    timeScale: number('time-scale', 'SOAK_TIME_SCALE', d.timeScale),
    log,
    signal: controller.signal,
  };
  const { report, text } = await runSoak(opts);
  console.log(`\n${text}`);
  process.exit(interrupted ? 130 : report.ok ? 0 : 1);
}

main().catch((err) => {
  console.error('[soak] failed:', err);
  process.exit(1);
});
