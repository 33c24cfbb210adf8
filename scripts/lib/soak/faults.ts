/**
 * The faults a soak injects, each a function that breaks one part and (where the part does not
 * heal by itself) brings it back, resolving when the fault is over.
 */
import type { Cluster } from './cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const FAULTS = {
  /** kill -9 of the worker mid-work, then a new worker (which bundles its workflows first). */
  'worker-kill': async (c: Cluster) => {
    await c.worker.kill9();
    await c.worker.start();
  },
  /** kill -9 of the API (events, webhooks and TwiML go unanswered), then a new API on the same port. */
  'api-kill': async (c: Cluster) => {
    await c.api.kill9();
    await c.api.start();
  },
  /** The Temporal dev server stops, stays down 5 s, and starts again on its file (history kept). */
  'temporal-restart': (c: Cluster) => c.restartTemporal(5_000),
  /** PostgreSQL crashes (immediate stop), stays down 3 s, and recovers from its WAL. */
  'postgres-restart': (c: Cluster) => c.restartPostgres(3_000),
  /**
   * The carrier's REST API fails for a burst (`burstMs`): 70% of requests answered 500 unprocessed, and every
   * call it does create is answered 500 too (the call is out; the caller cannot know).
   */
  'carrier-5xx': async (c: Cluster, burstMs: number) => {
    c.setAllLines({ apiErrorRate: 0.7, loseResponseRate: 1 });
    await sleep(burstMs);
    c.setAllLines({ apiErrorRate: 0, loseResponseRate: 0 });
  },
  /** The carrier's REST API stalls for a burst: each request in it is held 20 s, then answered 504 unprocessed. */
  'carrier-hang': async (c: Cluster, burstMs: number) => {
    c.setAllLines({ apiHangMs: 20_000 });
    await sleep(burstMs);
    c.setAllLines({ apiHangMs: 0 });
  },
  /** Status callbacks of calls in a burst arrive 20 s late (the calls themselves go on). */
  'callback-delay': async (c: Cluster, burstMs: number) => {
    c.setAllLines({ callbackDelayMs: 20_000 });
    await sleep(burstMs);
    c.setAllLines({ callbackDelayMs: 0 });
  },
} as const satisfies Record<string, (c: Cluster, burstMs: number) => Promise<void>>;

export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

/**
 * The order a short run takes them in: the worker kill and the Temporal restart first, so a
 * carrier activity they cut (retried only after its 2-minute start-to-close timeout) has its
 * retry while the other faults run.
 */
export function parseFaults(spec: string | undefined): FaultName[] {
  if (!spec || spec === 'all') return [...FAULT_NAMES];
  if (spec === 'none') return [];
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(n in FAULTS)) throw new Error(`unknown fault "${n}"; known: ${FAULT_NAMES.join(', ')}`);
  return names as FaultName[];
}
