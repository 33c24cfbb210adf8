/**
 * Every Prometheus metric Redial exports, defined here and nowhere else (prom-client). The api
 * serves them at GET /metrics (api/routes/metrics.ts), the worker on its own port
 * (worker/metrics.ts, with the Temporal SDK's own metrics appended).
 *
 * Where a series comes from:
 * - counters and histograms count what happens in the process that does it: a call's outcome where
 *   the carrier's report lands (the api's status callback, or the worker's reconciliation), a
 *   refusal in the worker's gate, an opt-out where it is taken. Sum them over processes.
 * - state gauges (line health, inbox depth, open incidents, the latest maintenance results) are
 *   read from PostgreSQL when the api is scraped (`refreshStateGauges`): every api replica reports
 *   the same value, so aggregate them with max().
 * - disk free is measured by the worker, which mounts the data and recordings volumes.
 *
 * Labels never carry a phone number or a name: lines by id, campaigns by id (bounded, below),
 * outcomes and reasons from Redial's own vocabulary.
 */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/client';
import { inboxBacklog } from '../db/queries/inbox';
import { allLines, lineHealth } from '../db/queries/lines';
import { latestMaintenanceRuns, openIncidentCounts } from '../db/queries/operations';
import { defaultFailover } from '../domain/failover';
import { isSynthetic } from '../domain/maintenance';

export const registry = new Registry();
// the process's own: CPU, memory, event-loop lag, GC (process_*, nodejs_*)
collectDefaultMetrics({ register: registry });

const registers = [registry];

// ---- campaign label: bounded cardinality ----

/**
 * Campaign ids are operator-chosen and unbounded; a label may take at most `max` of them per
 * process (the first seen), or exactly the `allow` list when one is configured
 * (REDIAL_METRICS_CAMPAIGNS); every other campaign is counted as "other". Redial's synthetic
 * campaigns (self-check, stress test) always keep their id, so rules and panels can leave them out.
 * Series per counter ≤ (max + 3) × outcomes × lines.
 */
const campaigns = { max: 50, allow: null as Set<string> | null, seen: new Set<string>() };

export function configureCampaignLabels(opts: { max?: number; allow?: string[] }) {
  if (opts.max !== undefined) campaigns.max = opts.max;
  campaigns.allow = opts.allow?.length ? new Set(opts.allow) : null;
  campaigns.seen.clear();
}

export function campaignLabel(id: string | null | undefined): string {
  if (!id) return 'none';
  if (isSynthetic(id)) return id;
  if (campaigns.allow) return campaigns.allow.has(id) ? id : 'other';
  if (campaigns.seen.has(id)) return id;
  if (campaigns.seen.size < campaigns.max) {
    campaigns.seen.add(id);
    return id;
  }
  return 'other';
}

// ---- what happens ----

/** One per carrier dial: its outcome (domain/outcomes.ts; carrier-failure also for a create the carrier refused). */
export const dials = new Counter({
  name: 'redial_dials_total',
  help: 'Calls dialled, by outcome (answered, converted, opted-out, not-interested, machine, busy, no-answer, invalid, carrier-failure), line and campaign',
  labelNames: ['outcome', 'line', 'campaign'] as const,
  registers,
});

export const callsPlaced = new Counter({
  name: 'redial_calls_placed_total',
  help: 'Calls the carrier accepted (created), by line and campaign; rate() is the CPS in use',
  labelNames: ['line', 'campaign'] as const,
  registers,
});

export const refusals = new Counter({
  name: 'redial_refusals_total',
  help: "Attempts the compliance gate refused, by reason and channel (the compliance log's reasons)",
  labelNames: ['reason', 'channel'] as const,
  registers,
});

export const sms = new Counter({
  name: 'redial_sms_total',
  help: 'SMS by outcome: sent (accepted by the carrier), delivered, undelivered, failed (status callbacks), opted-out / invalid (refused at create), carrier-failure',
  labelNames: ['outcome'] as const,
  registers,
});

export const optOuts = new Counter({
  name: 'redial_opt_outs_total',
  help: 'Numbers newly put on the DNC list, by channel (dtmf, sms, operator, carrier)',
  labelNames: ['channel'] as const,
  registers,
});

// series that exist from the start (rates work from the first scrape; a panel is never empty for want of a sample)
for (const outcome of ['sent', 'delivered', 'undelivered', 'failed', 'opted-out', 'invalid', 'carrier-failure']) sms.inc({ outcome }, 0);
for (const channel of ['dtmf', 'sms', 'operator', 'carrier']) optOuts.inc({ channel }, 0);

const MINUTES = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600];

export const eventToFirstDial = new Histogram({
  name: 'redial_event_to_first_dial_seconds',
  help: "From an event's occurredAt to the reservation of its follow-up's first call (the clock the first-contact deadline runs on)",
  labelNames: ['campaign'] as const,
  buckets: MINUTES,
  registers,
});

const FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const eventIngest = new Histogram({
  name: 'redial_event_ingest_seconds',
  help: 'POST /v1/events: from the request to the event committed in the inbox (or refused)',
  labelNames: ['result'] as const,
  buckets: FAST,
  registers,
});

export const inboxDelivery = new Histogram({
  name: 'redial_inbox_delivery_seconds',
  help: "From an event's acceptance to its delivery to the contact's cadence (signal-with-start)",
  buckets: [...FAST, 30, 60, 300, 900, 3600],
  registers,
});

export const pacingWait = new Histogram({
  name: 'redial_dial_pacing_wait_seconds',
  help: "How long a call waited for its line's CPS slot before it was sent, by line",
  labelNames: ['line'] as const,
  buckets: [0, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers,
});

// ---- state, read from PostgreSQL by the api ----

const lineConnectRate = new Gauge({ name: 'redial_line_connect_rate', help: "Line connect rate over its health window (the failover's: GET /v1/lines/{id}/health)", labelNames: ['line'] as const, registers });
const lineFailureRate = new Gauge({ name: 'redial_line_failure_rate', help: 'Line carrier-failure rate over its health window', labelNames: ['line'] as const, registers });
const lineWindowCalls = new Gauge({ name: 'redial_line_window_calls', help: 'Finished calls in the line health window (rates mean little under 10)', labelNames: ['line'] as const, registers });
const lineState = new Gauge({ name: 'redial_line_state', help: "1 for the line's state (active, failed, closed), 0 for the others", labelNames: ['line', 'state'] as const, registers });
const lineCps = new Gauge({ name: 'redial_line_cps_cap', help: "The line's calls-per-second cap (lowered by an incident)", labelNames: ['line'] as const, registers });
const inboxDepth = new Gauge({ name: 'redial_inbox_depth', help: 'Accepted events still queued for their cadence', registers });
const inboxOldest = new Gauge({ name: 'redial_inbox_oldest_queued_seconds', help: 'Age of the oldest queued event (0 when none)', registers });
const incidentsOpen = new Gauge({ name: 'redial_incidents_open', help: 'Incidents open (or aborted and still holding), by kind', labelNames: ['kind'] as const, registers });
const maintenanceCheck = new Gauge({ name: 'redial_maintenance_check', help: "1 for the status (ok, attention, failed, skipped) of each check in its routine's latest run", labelNames: ['routine', 'check', 'status'] as const, registers });
const maintenanceLastRun = new Gauge({ name: 'redial_maintenance_last_run_timestamp_seconds', help: 'When each routine last finished (Unix time)', labelNames: ['routine'] as const, registers });
const stateUp = new Gauge({ name: 'redial_state_up', help: '1 when the state gauges could be read from PostgreSQL at this scrape', registers });

const LINE_STATES = ['active', 'failed', 'closed'];
const CHECK_STATUSES = ['ok', 'attention', 'failed', 'skipped'];
const INCIDENT_KINDS = ['connect-rate', 'interface'];

/** A scrape every few seconds (several Prometheus, a dashboard) reads PostgreSQL at most this often. */
const STATE_TTL_MS = 5000;
let stateReadAt = 0;
let stateRead: Promise<void> | null = null;

/** Reads the state gauges from PostgreSQL (at most every 5 s); a failure is reported by redial_state_up 0. */
export async function refreshStateGauges(db: Db, now = Date.now()): Promise<void> {
  if (now - stateReadAt < STATE_TTL_MS && stateRead) return stateRead;
  stateReadAt = now;
  // a database that hangs must not hang the scrape: Prometheus gives up after its own timeout
  const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), 3000).unref());
  stateRead = Promise.race([readState(db), timeout]).then(
    () => void stateUp.set(1),
    () => {
      stateUp.set(0);
      stateReadAt = 0;
    },
  );
  return stateRead;
}

async function readState(db: Db) {
  const since = new Date(Date.now() - defaultFailover.windowMs);
  const ls = await allLines(db);
  const health = await Promise.all(ls.map((l) => lineHealth(db, l.id, { since, lastN: defaultFailover.windowCalls })));
  const backlog = await inboxBacklog(db);
  const incidents = await openIncidentCounts(db);
  const runs = await latestMaintenanceRuns(db);
  for (const g of [lineConnectRate, lineFailureRate, lineWindowCalls, lineState, lineCps, incidentsOpen, maintenanceCheck, maintenanceLastRun]) g.reset();
  ls.forEach((l, i) => {
    const h = health[i]!;
    lineConnectRate.set({ line: l.id }, h.connectRate);
    lineFailureRate.set({ line: l.id }, h.failureRate);
    lineWindowCalls.set({ line: l.id }, h.calls);
    lineCps.set({ line: l.id }, l.cps);
    for (const s of LINE_STATES) lineState.set({ line: l.id, state: s }, l.state === s ? 1 : 0);
  });
  inboxDepth.set(backlog.queued);
  inboxOldest.set(backlog.oldestQueuedAt ? Math.max(0, (Date.now() - backlog.oldestQueuedAt.getTime()) / 1000) : 0);
  for (const kind of INCIDENT_KINDS) incidentsOpen.set({ kind }, 0);
  for (const r of incidents) incidentsOpen.set({ kind: r.kind }, r.count);
  for (const run of runs) {
    maintenanceLastRun.set({ routine: run.routine }, run.finishedAt.getTime() / 1000);
    for (const c of run.results) for (const s of CHECK_STATUSES) maintenanceCheck.set({ routine: run.routine, check: c.name, status: s }, c.status === s ? 1 : 0);
  }
}

// ---- disk, measured by the worker ----

const diskFree = new Gauge({ name: 'redial_disk_free_ratio', help: 'Free share of the filesystem holding each volume (data: PostgreSQL, recordings); the daily routine wants ≥ 0.30', labelNames: ['volume'] as const, registers });

/**
 * The free share of the filesystem that holds `path` (what the daily disk check judges too); a
 * folder not made yet is on its nearest existing parent's.
 */
export async function freeRatio(path: string): Promise<number> {
  let at = resolve(path);
  for (;;) {
    try {
      const s = await statfs(at);
      return s.blocks ? s.bavail / s.blocks : 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw err;
      at = dirname(at);
    }
  }
}

/** Measures each volume now; one that cannot be measured (not there yet) is left out. */
export async function refreshDiskGauges(volumes: Record<string, string>): Promise<void> {
  diskFree.reset();
  for (const [volume, path] of Object.entries(volumes)) {
    const ratio = await freeRatio(path).catch(() => null);
    if (ratio !== null) diskFree.set({ volume }, ratio);
  }
}

/** The exposition text, and its content type. */
export async function metricsText(): Promise<{ text: string; contentType: string }> {
  return { text: await registry.metrics(), contentType: registry.contentType };
}
