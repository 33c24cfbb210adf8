/**
 * The end of a soak: three independent records set side by side — the simulator's call log (what
 * was really dialled), PostgreSQL (attempts, contacts, opt-outs) and Temporal (which cadence got
 * which event, from the workflow histories) — against what the soak itself asked and was answered.
 */
import type { Client } from '@temporalio/client';
import type postgres from 'postgres';
import { CAMPAIGNS, MAX_DAILY_CAP, isDaytime, localDay, type CampaignId, type Person, type SentEvent, type Traffic } from './traffic';
import type { Keyring } from '../../../services/keyring';
import { createPayloadCodec } from '../../../services/payload-codec';

/** A call as GET /sim/calls shows it. */
export interface SimCallView {
  sid: string;
  to: string;
  from: string;
  status: string;
  createdAt: number;
  endedAt: number | null;
  digits: string[];
  refusedBy: string | null;
  sipResponseCode: number | null;
  statusCallback: string | null;
}

/** The attempt a carrier call belongs to, from its status-callback URL (…/twilio/status/<attempt id>). */
export const attemptIdOf = (c: SimCallView) => /\/twilio\/status\/([0-9a-f-]{36})$/.exec(c.statusCallback ?? '')?.[1] ?? null;

/** A call the network failed before it rang (SIP 503) never reached the person. */
const reached = (c: SimCallView) => !(c.status === 'failed' && c.sipResponseCode === 503);

export function callsByPhone(calls: SimCallView[]) {
  const m = new Map<string, SimCallView[]>();
  for (const c of calls) m.set(c.to, [...(m.get(c.to) ?? []), c]);
  for (const list of m.values()) list.sort((a, b) => a.createdAt - b.createdAt);
  return m;
}

/**
 * Whether an accepted event had to lead to a call, by the rules the soak knows independently of
 * Redial: the person is in daytime, never asked to opt out, did not press 0 before it, and had
 * fewer calls that local day than the campaign's cap when it was posted.
 */
export function mustCall(e: SentEvent, p: Person, calls: SimCallView[]): boolean {
  if (e.result !== 'accepted' || p.night || p.optOutRequestedAt !== undefined) return false;
  const before = calls.filter((c) => c.createdAt < e.postedAt);
  if (before.some((c) => c.digits.includes('0'))) return false;
  const day = localDay(e.postedAt, p.zone);
  const today = before.filter((c) => reached(c) && localDay(c.createdAt, p.zone) === day).length;
  return today < CAMPAIGNS[e.campaignId].maxCallsPerDay;
}

/** Called after the event was posted (by any of the person's follow-ups). */
export const calledAfter = (e: SentEvent, calls: SimCallView[]) => calls.some((c) => c.createdAt >= e.postedAt);

/** Accepted events that had to lead to a call and have not (yet). */
export function uncalled(traffic: Traffic, calls: SimCallView[]): SentEvent[] {
  const byPhone = callsByPhone(calls);
  return traffic.events.filter((e) => {
    const mine = byPhone.get(e.phone) ?? [];
    return mustCall(e, traffic.people.get(e.phone)!, mine) && !calledAfter(e, mine);
  });
}

/**
 * Event ids each cadence got, read from every run's history (signals named "event"), and how many
 * cadence runs ended failed, terminated or timed out (a cadence that dies drops its follow-ups).
 */
export async function deliveredEventIds(temporal: Client, keyring: Keyring): Promise<{ ids: Set<string>; broken: number }> {
  const codec = createPayloadCodec(keyring);
  const runs: Array<{ workflowId: string; runId: string }> = [];
  let broken = 0;
  for await (const w of temporal.workflow.list({ query: 'WorkflowType = "cadence"' })) {
    runs.push({ workflowId: w.workflowId, runId: w.runId });
    if (['FAILED', 'TERMINATED', 'TIMED_OUT'].includes(w.status.name)) broken++;
  }
  const ids = new Set<string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < runs.length) {
        const r = runs[next++]!;
        const history = await temporal.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
        for (const ev of history.events ?? []) {
          const s = ev.workflowExecutionSignaledEventAttributes;
          if (s?.signalName !== 'event') continue;
          const sealed = s.input?.payloads?.[0];
          if (!sealed) continue;
          // histories hold ciphertext (services/payload-codec.ts)
          const [payload] = await codec.decode([sealed as never]);
          const data = payload?.data;
          if (!data) continue;
          const id = (JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string }).id;
          if (id) ids.add(id);
        }
      }
    }),
  );
  return { ids, broken };
}

export interface FaultRecord {
  name: string;
  at: number;
  /** How long the fault lasted (the part down, or the burst). */
  lastedMs: number;
  /** From the fault's start until a fresh probe event was dialled; null when none was in time. */
  recoveryMs: number | null;
}

export interface SoakReport {
  events: { offered: number; accepted: number; refused: number; unanswered: number; delivered: number; probes: number };
  calls: { expected: number; placed: number; lost: number; lostUndelivered: number; lostUncalled: number; doubled: number; orphaned: number; recordMismatches: number };
  /** Cadence runs that ended failed, terminated or timed out (Temporal's record). */
  brokenCadences: number;
  violations: { night: number; overCap: number; afterOptOut: number; optOutNotRecorded: number; total: number };
  optOuts: { requested: number; acknowledged: number };
  faults: Array<FaultRecord & { events: number; refused: number; lost: number }>;
  /** Event → first dial of the events posted before any fault: what "recovered" compares with. */
  baseline: { events: number; p50Ms: number | null; p95Ms: number | null };
  /** Log lines of the api, worker and simulator that hold a phone number in clear (set by the run). */
  unmaskedLogLines: number;
  /** Masked examples of each finding, for the log. */
  findings: string[];
  ok: boolean;
}

export async function reconcile(input: { traffic: Traffic; simCalls: SimCallView[]; sql: postgres.Sql; temporal: Client; keyring: Keyring; faults: FaultRecord[] }): Promise<SoakReport> {
  const { traffic, sql } = input;
  const findings: string[] = [];
  const note = (m: string) => findings.length < 40 && findings.push(m);
  const mine = input.simCalls.filter((c) => traffic.people.has(c.to));
  const byPhone = callsByPhone(mine);

  // —— PostgreSQL ——
  const attemptRows = await sql<Array<{ id: string; campaign_id: string; provider_sid: string | null; status: string }>>`
    select id, campaign_id, provider_sid, status from attempts where channel = 'call'`;
  const attempts = new Map(attemptRows.map((a) => [a.id, a]));
  const dnc = new Set((await sql<Array<{ phone: string }>>`select phone from opt_outs`).map((r) => r.phone));

  // —— Temporal ——
  const { ids: delivered, broken } = await deliveredEventIds(input.temporal, input.keyring);
  if (broken) note(`${broken} cadence runs ended failed, terminated or timed out`);

  // —— events: offered, answered, delivered, and whether each was served ——
  const ev = traffic.events;
  const accepted = ev.filter((e) => e.result === 'accepted');
  const lostUndelivered = accepted.filter((e) => !delivered.has(e.id));
  for (const e of lostUndelivered) note(`lost: event ${e.id.slice(0, 8)} for ${mask(e.phone)} answered 202 but no cadence got it (after ${e.fault})`);
  const expected = accepted.filter((e) => mustCall(e, traffic.people.get(e.phone)!, byPhone.get(e.phone) ?? []));
  const lostUncalled = expected.filter((e) => delivered.has(e.id) && !calledAfter(e, byPhone.get(e.phone) ?? []));
  for (const e of lostUncalled) note(`lost: event ${e.id.slice(0, 8)} for ${mask(e.phone)} (${e.campaignId}) was delivered and allowed but never dialled (after ${e.fault})`);
  const lostIds = new Set([...lostUndelivered, ...lostUncalled].map((e) => e.id));

  // —— calls: one per reservation ——
  const byAttempt = new Map<string, SimCallView[]>();
  let orphaned = 0;
  for (const c of mine) {
    const id = attemptIdOf(c);
    if (!id || !attempts.has(id)) {
      orphaned++;
      note(`orphan: carrier call ${c.sid} to ${mask(c.to)} has no attempt in PostgreSQL`);
      continue;
    }
    byAttempt.set(id, [...(byAttempt.get(id) ?? []), c]);
  }
  let doubled = 0;
  let recordMismatches = 0;
  for (const [id, calls] of byAttempt) {
    if (calls.length > 1) {
      doubled++;
      note(`doubled: reservation ${id.slice(0, 8)} has ${calls.length} carrier calls to ${mask(calls[0]!.to)}`);
    }
    const a = attempts.get(id)!;
    if (!calls.some((c) => c.sid === a.provider_sid)) {
      recordMismatches++;
      note(`mismatch: reservation ${id.slice(0, 8)} records ${a.provider_sid ?? 'no call'} (${a.status}); the carrier has ${calls.map((c) => c.sid).join(', ')}`);
    }
  }

  // —— compliance, from the carrier's own log ——
  let night = 0;
  let overCap = 0;
  let afterOptOut = 0;
  for (const [phone, calls] of byPhone) {
    const p = traffic.people.get(phone)!;
    const perDay = new Map<string, number>();
    let pressedZeroAt: number | null = null;
    for (const c of calls) {
      if (!isDaytime(p.zone, c.createdAt)) {
        night++;
        note(`violation: call ${c.sid} to ${mask(phone)} at local night (${p.zone})`);
      }
      if (reached(c)) {
        const day = localDay(c.createdAt, p.zone);
        const n = (perDay.get(day) ?? 0) + 1;
        perDay.set(day, n);
        const campaign = attempts.get(attemptIdOf(c) ?? '')?.campaign_id as CampaignId | undefined;
        const cap = campaign && campaign in CAMPAIGNS ? CAMPAIGNS[campaign].maxCallsPerDay : MAX_DAILY_CAP;
        if (n > cap) {
          overCap++;
          note(`violation: call ${c.sid} is call ${n} of the local day ${day} for ${mask(phone)} (cap ${cap})`);
        }
      }
      const optedOutAt = Math.min(p.optOutAckAt ?? Infinity, pressedZeroAt ?? Infinity);
      if (c.createdAt > optedOutAt) {
        afterOptOut++;
        note(`violation: call ${c.sid} to ${mask(phone)} ${((c.createdAt - optedOutAt) / 1000).toFixed(1)} s after the opt-out was acknowledged`);
      }
      if (c.digits.includes('0')) pressedZeroAt = Math.min(pressedZeroAt ?? Infinity, c.endedAt ?? c.createdAt);
    }
  }
  const acked = traffic.optOuts.filter((o) => o.ackAt !== null);
  const optOutNotRecorded = new Set(acked.filter((o) => !dnc.has(o.phone)).map((o) => o.phone)).size;
  if (optOutNotRecorded) note(`violation: ${optOutNotRecorded} acknowledged opt-outs are not on the DNC list`);

  const faults = input.faults.map((f) => {
    const during = ev.filter((e) => e.fault === f.name && e.postedAt >= f.at && e.postedAt < f.at + Math.max(f.lastedMs, f.recoveryMs ?? 0) + 1);
    const after = ev.filter((e) => e.fault === f.name);
    return { ...f, events: during.length, refused: during.filter((e) => e.result !== 'accepted').length, lost: after.filter((e) => lostIds.has(e.id)).length };
  });
  const delays = expected
    .filter((e) => e.fault === 'none')
    .flatMap((e) => {
      const at = (byPhone.get(e.phone) ?? []).find((c) => c.createdAt >= e.postedAt)?.createdAt;
      return at === undefined ? [] : [at - e.postedAt];
    })
    .sort((a, b) => a - b);
  const pct = (p: number) => (delays.length ? delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]! : null);
  const violations = { night, overCap, afterOptOut, optOutNotRecorded, total: night + overCap + afterOptOut + optOutNotRecorded };
  const lost = lostIds.size;
  return {
    events: {
      offered: ev.length,
      accepted: accepted.length,
      refused: ev.filter((e) => e.result === 'refused').length,
      unanswered: ev.filter((e) => e.result === 'unanswered').length,
      delivered: accepted.filter((e) => delivered.has(e.id)).length,
      probes: ev.filter((e) => e.probe).length,
    },
    calls: { expected: expected.length, placed: mine.length, lost, lostUndelivered: lostUndelivered.length, lostUncalled: lostUncalled.length, doubled, orphaned, recordMismatches },
    brokenCadences: broken,
    violations,
    optOuts: { requested: traffic.optOuts.length, acknowledged: acked.length },
    faults,
    baseline: { events: delays.length, p50Ms: pct(0.5), p95Ms: pct(0.95) },
    findings,
    unmaskedLogLines: 0,
    ok: lost === 0 && doubled === 0 && violations.total === 0,
  };
}

const mask = (e164: string) => `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}`;

const s = (ms: number | null) => (ms === null ? 'not in time' : `${(ms / 1000).toFixed(1)} s`);

/** The one table a soak prints. */
export function formatReport(r: SoakReport, header: string): string {
  const rows: Array<[string, string | number]> = [
    ['events offered', r.events.offered],
    ['  accepted (202)', r.events.accepted],
    ['  refused (not accepted)', r.events.refused],
    ['  unanswered (timed out, unknown)', r.events.unanswered],
    ['  delivered (a cadence got it)', `${r.events.delivered} of ${r.events.accepted} accepted`],
    ['  of which probes', r.events.probes],
    ['calls expected (accepted, allowed)', r.calls.expected],
    ['calls placed (carrier log)', r.calls.placed],
    ['lost', `${r.calls.lost} (undelivered ${r.calls.lostUndelivered}, never dialled ${r.calls.lostUncalled})`],
    ['doubled (2+ calls for 1 reservation)', r.calls.doubled],
    ['carrier calls without an attempt', r.calls.orphaned],
    ['attempts whose SID ≠ the carrier’s', r.calls.recordMismatches],
    ['cadences failed / terminated', r.brokenCadences],
    ['violations', `${r.violations.total} (night ${r.violations.night}, over cap ${r.violations.overCap}, after opt-out ${r.violations.afterOptOut}, opt-out not recorded ${r.violations.optOutNotRecorded})`],
    ['opt-outs requested / acknowledged', `${r.optOuts.requested} / ${r.optOuts.acknowledged}`],
    ['log lines with a number in clear', r.unmaskedLogLines],
    ['event → first dial before any fault', `p50 ${s(r.baseline.p50Ms)}, p95 ${s(r.baseline.p95Ms)} (${r.baseline.events} events)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = [header, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)];
  if (r.faults.length) {
    lines.push('', `  ${'fault'.padEnd(18)} ${'lasted'.padStart(8)} ${'recovery'.padStart(12)} ${'after end'.padStart(10)} ${'events'.padStart(7)} ${'refused'.padStart(8)} ${'lost'.padStart(5)}`);
    for (const f of r.faults) {
      const afterEnd = f.recoveryMs === null ? null : Math.max(0, f.recoveryMs - f.lastedMs);
      lines.push(`  ${f.name.padEnd(18)} ${s(f.lastedMs).padStart(8)} ${s(f.recoveryMs).padStart(12)} ${s(afterEnd).padStart(10)} ${String(f.events).padStart(7)} ${String(f.refused).padStart(8)} ${String(f.lost).padStart(5)}`);
    }
    lines.push('  (recovery: from the fault’s start until a fresh probe event was dialled; after end: the same from when the fault was over;');
    lines.push('   events/refused: posted while it lasted; lost: events posted after it and before the next fault that were lost)');
  }
  lines.push('', r.ok ? 'OK: no loss, no double, no violation' : 'FAILED: see the findings above');
  return lines.join('\n');
}
