/**
 * The strategy dry run, before activation: the campaign's last N days (events, contact profiles,
 * how its calls ended, opt-outs) streamed from PostgreSQL and replayed through the cadence's own
 * rules (domain/dry-run.ts) twice, under the candidate and under the active strategy, in one pass.
 * It answers what each would have done and the difference. Read-only: nothing is written.
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../db/client';
import { activeStrategy } from '../db/queries/campaigns';
import { campaignHistory, type HistoryRow } from '../db/queries/dry-run';
import type { Outcome } from '../domain/cadence-state';
import { DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY } from '../domain/daily-cap';
import { DryRunTally, replayContact, type DryRunContact, type DryRunResult } from '../domain/dry-run';
import { parseStrategy } from './campaigns';
import { unknownCampaign } from './errors';

export interface DryRunDeps {
  db: Db;
  tenant: string;
}

export interface DryRunReport {
  campaignId: string;
  from: string;
  to: string;
  activeVersion: number;
  candidate: DryRunResult;
  active: DryRunResult;
  /** candidate − active. */
  difference: {
    calls: number;
    sms: number;
    missedDeadlines: number;
    perDay: Array<{ day: string; calls: number; sms: number }>;
    refusals: Record<string, number>;
    peakCps: Record<string, number>;
  };
  /** How long the replay took, query included. */
  elapsedMs: number;
}

const toContact = (r: HistoryRow): DryRunContact => ({
  contactId: r.contactId,
  timeZone: r.timeZone,
  tags: r.tags ?? [],
  events: r.events.map(([id, type, occurredAt, at]) => ({ id, type, occurredAt, at })),
  callOutcomes: (r.calls ?? []).map(([outcome]) => outcome as Outcome | null),
  callbacksAt: (r.calls ?? []).map(([, at]) => at),
  optedOutAt: r.optedOutAt,
});

/**
 * The batches of a cursor, each next one asked for as soon as the one before arrives: PostgreSQL
 * reads it while this one replays. Stopped early, the cursor is closed once the pending read lands.
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  let finished = false;
  try {
    for (;;) {
      const r = await next;
      if (r.done) {
        finished = true;
        return;
      }
      next = it.next();
      yield r.value;
    }
  } finally {
    if (!finished) {
      await next.catch(() => undefined);
      await it.return?.();
    }
  }
}

function minus<K extends string>(a: Record<K, number>, b: Record<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<K>) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function difference(c: DryRunResult, a: DryRunResult): DryRunReport['difference'] {
  const days = new Map<string, { calls: number; sms: number }>();
  for (const [sign, r] of [[1, c], [-1, a]] as const) {
    for (const d of r.perDay) {
      const x = days.get(d.day) ?? { calls: 0, sms: 0 };
      x.calls += sign * d.calls;
      x.sms += sign * d.sms;
      days.set(d.day, x);
    }
  }
  const cps = (r: DryRunResult) => Object.fromEntries(Object.entries(r.peakCps).map(([tier, p]) => [tier, p.cps]));
  return {
    calls: c.calls - a.calls,
    sms: c.sms - a.sms,
    missedDeadlines: c.missedDeadlines.count - a.missedDeadlines.count,
    perDay: [...days].filter(([, d]) => d.calls || d.sms).sort(([x], [y]) => (x < y ? -1 : 1)).map(([day, d]) => ({ day, ...d })),
    refusals: minus(c.refusals, a.refusals),
    peakCps: minus(cps(c), cps(a)),
  };
}

export async function dryRunStrategy(
  { db, tenant }: DryRunDeps,
  input: { campaignId: string; strategy: unknown; days: number; now?: number; ceiling?: number },
): Promise<DryRunReport> {
  const started = performance.now();
  const active = await activeStrategy(db, input.campaignId);
  if (!active) throw unknownCampaign(input.campaignId);
  const strategy = parseStrategy(input.strategy);
  const to = input.now ?? Date.now();
  const from = to - input.days * 86_400_000;
  const ceiling = input.ceiling ?? DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY;
  const common = { campaignId: input.campaignId, until: to, ceiling };
  const candidatePlan = { ...common, strategy, strategyVersion: active.version + 1 };
  const activePlan = { ...common, strategy: active.strategy, strategyVersion: active.version };
  const candidate = new DryRunTally();
  const current = new DryRunTally();
  for await (const rows of readAhead(campaignHistory(db, { tenant, campaignId: input.campaignId, from: new Date(from), to: new Date(to) }))) {
    for (const r of rows) {
      const c = toContact(r);
      replayContact(c, candidatePlan, candidate);
      replayContact(c, activePlan, current);
    }
  }
  const c = candidate.result();
  const a = current.result();
  return {
    campaignId: input.campaignId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    activeVersion: active.version,
    candidate: c,
    active: a,
    difference: difference(c, a),
    elapsedMs: Math.round(performance.now() - started),
  };
}
