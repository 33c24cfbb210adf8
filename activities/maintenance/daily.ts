/** The daily routine's checks: alert rates, weak lines, contact purge, disk space, call samples, the opt-out self-check, links, database health. */
import { randomInt } from 'node:crypto';
import { mkdir, statfs } from 'node:fs/promises';
import { and, eq, gte, isNull, lt, ne, sql } from 'drizzle-orm';
import { heartbeat } from '@temporalio/activity';
import { audit } from '../../db/queries/audit';
import { activeStrategy, ensureCampaign } from '../../db/queries/campaigns';
import { removeOptOut, upsertContact } from '../../db/queries/contacts';
import { analyzeAll, btreeIndexStats, indexPages, reindexConcurrently } from '../../db/queries/db-health';
import { lineHealth } from '../../db/queries/lines';
import { summary } from '../../db/queries/reports';
import { realTraffic } from '../../db/queries/traffic';
import { attempts, contacts, lines, optOuts } from '../../db/schema';
import { bloatRatio, needsReindex, REINDEX_AT } from '../../domain/index-bloat';
import { attention, ok, pct, skipped, SELF_CHECK_CAMPAIGN, type CheckResult } from '../../domain/maintenance';
import { deliverEvent } from '../../services/cadences';
import { takeLineOut } from '../../services/line-service';
import { checkAllLinks } from '../../services/link-check';
import { releaseSelfCheckNumber, selfCheckFailed, selfCheckPassed } from '../../services/opt-out-safety';
import { twilioErrorCode, TwilioCode } from '../carrier';
import type { MaintenanceDeps } from './deps';
import { ACTOR, DAY, mask, noonZone, waitFor } from './shared';

/**
 * Dial failure rate ≥ 5% or complaint rate (opt-outs ÷ answered) ≥ 0.3% over the last day's real
 * calls: the self-check's own opt-out call would otherwise be a complaint on every quiet day.
 */
export async function checkAlertRates(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const s = await summary(db, { from: new Date(Date.now() - DAY), to: new Date() });
  const failureRate = s.placed ? s.carrierFailures / s.placed : null;
  const complaintRate = s.answered ? s.optedOut / s.answered : null;
  const findings: string[] = [];
  if (failureRate !== null && failureRate >= 0.05) findings.push(`dial failure rate ${pct(failureRate)} (≥ 5%) over ${s.placed} calls`);
  if (complaintRate !== null && complaintRate >= 0.003) findings.push(`complaint rate ${pct(complaintRate)} (≥ 0.3%) over ${s.answered} answered calls`);
  const detail = { placed: s.placed, carrierFailures: s.carrierFailures, answered: s.answered, optedOut: s.optedOut, failureRate, complaintRate };
  for (const f of findings) await deps.raiseAlert({ kind: 'daily-rates', severity: 'warning', message: f, detail });
  return findings.length ? attention('alert-rates', findings.join('; '), detail) : ok('alert-rates', `failure ${pct(failureRate)}, complaints ${pct(complaintRate)}`, detail);
}

/**
 * Lines under 85% connect rate over the last day's real calls (≥ 20) are closed (closed_by
 * routine: probed again after a cool-down and reopened on clean probes, activities/line-selection.ts);
 * their tier's calls go to the next line. The last line in service is never closed: ops are
 * alerted instead (services/line-service.ts).
 */
export async function closeWeakLines(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const closed: unknown[] = [];
  const kept: unknown[] = [];
  for (const line of await db.select().from(lines).where(eq(lines.state, 'active')).orderBy(lines.id)) {
    const h = await lineHealth(db, line.id, { since: new Date(Date.now() - DAY), lastN: 100_000 });
    if (h.calls < 20 || h.connectRate >= 0.85) continue;
    const found = { lineId: line.id, connectRate: h.connectRate, calls: h.calls };
    const r = await takeLineOut(deps, { lineId: line.id, from: 'active', to: 'closed', by: 'routine', actor: ACTOR, detail: { connectRate: h.connectRate, calls: h.calls } });
    if (!r.changed) {
      if (r.refused === 'last-in-service') kept.push({ ...found, kept: 'the last line in service' });
      continue;
    }
    await deps.raiseAlert({ kind: 'line-closed', severity: 'warning', message: `Line ${line.id} closed: connect rate ${pct(h.connectRate)} over ${h.calls} calls; its traffic goes to ${r.trafficTo ?? 'no line'}`, detail: { lineId: line.id, trafficTo: r.trafficTo } });
    closed.push({ ...found, trafficTo: r.trafficTo });
  }
  if (closed.length + kept.length === 0) return ok('close-weak-lines', 'every line at ≥ 85% connect rate (or too few calls to judge)');
  const parts = [closed.length ? `${closed.length} line(s) closed` : null, kept.length ? `${kept.length} weak line(s) left open: the last in service` : null].filter(Boolean);
  return attention('close-weak-lines', parts.join('; '), [...closed, ...kept]);
}

/**
 * Soft-deletes invalid numbers and contacts not reached in 3 months (older than 90 days, no call
 * answered in 90 days), with an audit record. The DNC list is separate and never purged.
 * Duplicates cannot exist: (tenant, phone) is unique and every phone is normalised to E.164.
 */
export async function purgeContacts(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const cutoff = new Date(Date.now() - 90 * DAY);
  const invalid = await db
    .update(contacts)
    .set({ deletedAt: new Date() })
    .where(and(eq(contacts.status, 'invalid'), isNull(contacts.deletedAt)))
    .returning({ id: contacts.id });
  const stale = await db
    .update(contacts)
    .set({ deletedAt: new Date() })
    .where(
      and(
        isNull(contacts.deletedAt),
        ne(contacts.status, 'invalid'),
        lt(contacts.createdAt, cutoff),
        sql`not exists (select 1 from ${attempts} a where a.contact_id = ${contacts.id} and a.status = 'completed' and a.reserved_at >= ${cutoff.toISOString()})`,
      ),
    )
    .returning({ id: contacts.id });
  const detail = { invalid: invalid.length, notReachedIn90Days: stale.length, duplicates: 0, ids: [...invalid, ...stale].slice(0, 1000).map((r) => r.id) };
  if (invalid.length + stale.length) await audit(db, { actor: ACTOR, action: 'contacts.purge', after: detail });
  return ok('purge-contacts', `soft-deleted ${invalid.length} invalid and ${stale.length} not reached in 3 months; 0 duplicates (unique by normalised phone)`, detail);
}

/** Data and recordings need ≥ 30% free space. */
export async function checkDisk(deps: MaintenanceDeps): Promise<CheckResult> {
  const { config: cfg } = deps;
  const out: Array<{ path: string; freePercent: number }> = [];
  for (const p of [...new Set([cfg.dataDir, cfg.recordingsDir])]) {
    await mkdir(p, { recursive: true });
    const s = await statfs(p);
    out.push({ path: p, freePercent: Math.round((s.bavail / s.blocks) * 1000) / 10 });
  }
  const low = out.filter((d) => d.freePercent < 30);
  for (const d of low) await deps.raiseAlert({ kind: 'disk', severity: 'critical', message: `Only ${d.freePercent}% free on ${d.path} (need ≥ 30%)`, detail: d });
  return low.length ? attention('disk-space', low.map((d) => `${d.path}: ${d.freePercent}% free`).join('; '), out) : ok('disk-space', out.map((d) => `${d.path}: ${d.freePercent}% free`).join('; '), out);
}

/** 10–20 random finished real calls of the last day, for a person to review. */
export async function sampleCalls(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const want = randomInt(10, 21);
  const rows = await db
    .select({ id: attempts.id, phone: contacts.phone, campaignId: attempts.campaignId, status: attempts.status, outcome: attempts.outcome, durationSec: attempts.durationSec, providerSid: attempts.providerSid })
    .from(attempts)
    .innerJoin(contacts, eq(contacts.id, attempts.contactId))
    .where(and(eq(attempts.channel, 'call'), gte(attempts.reservedAt, new Date(Date.now() - DAY)), sql`${attempts.endedAt} is not null`, realTraffic()))
    .orderBy(sql`random()`)
    .limit(want);
  const sample = rows.map((r) => ({ ...r, phone: mask(r.phone) }));
  return ok('sample-calls', `${sample.length} call(s) sampled for review`, sample);
}

/**
 * The opt-out paths end to end against the carrier: a call to a number that presses 0 must put
 * it on the DNC list through the real Gather webhook; an inbound "TD" must do the same, and the
 * carrier must then refuse texts to it (21610). The check numbers are taken off the list first.
 */
export async function selfCheckOptOut(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db, config: cfg } = deps;
  if (!deps.temporal) return skipped('self-check-opt-out', 'this worker has no Temporal client');
  const { tenant } = cfg;
  const started = new Date();
  const dtmfNumber = cfg.selfCheckDtmfNumber;
  if (!dtmfNumber && !cfg.simUrl) return skipped('self-check-opt-out', 'real carrier and no REDIAL_SELF_CHECK_DTMF_NUMBER: nothing to check against');
  const optedOutSince = (phone: string, since: Date, timeoutMs: number) =>
    waitFor(async () => {
      const [o] = await db.select().from(optOuts).where(and(eq(optOuts.tenant, tenant), eq(optOuts.phone, phone), gte(optOuts.createdAt, since)));
      return o;
    }, timeoutMs);
  await ensureCampaign(db, {
    id: SELF_CHECK_CAMPAIGN,
    name: 'Self-check (maintenance)',
    strategy: { maxAttempts: 1, redialDelaysMinutes: [1], jitterSeconds: 0, firstContactAfterMinutes: {} },
    createdBy: ACTOR,
  });
  const active = (await activeStrategy(db, SELF_CHECK_CAMPAIGN))!;
  const detail: Record<string, unknown> = {};

  let dtmf: typeof optOuts.$inferSelect | null = null;
  if (!dtmfNumber) detail.dtmf = 'skipped: set REDIAL_SELF_CHECK_DTMF_NUMBER to a number that answers and presses 0';
  else {
    await removeOptOut(db, tenant, dtmfNumber);
    const contact = await upsertContact(db, { tenant, phone: dtmfNumber, timeZone: noonZone(), name: 'self-check', consentSource: 'self-check' }, true);
    await db.update(contacts).set({ status: 'active' }).where(eq(contacts.id, contact.id));
    await releaseSelfCheckNumber(deps, { tenant, phone: dtmfNumber, actor: ACTOR });
    await deliverEvent({ temporal: deps.temporal, taskQueue: deps.taskQueue, keyring: deps.keyring }, { ...contact, status: 'active' }, {
      id: `selfcheck:${started.toISOString()}`,
      type: 'lead.created',
      campaignId: SELF_CHECK_CAMPAIGN,
      occurredAt: started.getTime(),
      strategy: active.strategy,
      strategyVersion: active.version,
    });
    dtmf = await optedOutSince(dtmfNumber, started, cfg.selfCheckTimeoutMs);
    detail.dtmf = dtmf ? { optedOutAt: dtmf.createdAt.toISOString(), source: dtmf.source, seconds: (dtmf.createdAt.getTime() - started.getTime()) / 1000 } : 'no opt-out recorded in time';
  }

  let sms: string | null = null;
  if (!cfg.simUrl) detail.sms = 'skipped: inbound SMS needs a test handset on a real carrier';
  else {
    const [line] = await db.select().from(lines).where(ne(lines.state, 'closed')).limit(1);
    if (!line) sms = 'no open line';
    else {
      await removeOptOut(db, tenant, cfg.selfCheckSmsNumber);
      const inbound = (text: string) =>
        fetch(`${cfg.simUrl}/sim/sms/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: cfg.selfCheckSmsNumber, to: line.fromNumber, body: text }) });
      await inbound('START'); // the carrier's own list: resubscribe after yesterday's check
      const since = new Date();
      await inbound('TD');
      const listed = await optedOutSince(cfg.selfCheckSmsNumber, since, 30_000);
      let carrierRefused = false;
      try {
        await deps.carrier.client(line).messages.create({ to: cfg.selfCheckSmsNumber, from: line.fromNumber, body: 'Redial self-check' });
      } catch (err) {
        carrierRefused = twilioErrorCode(err) === TwilioCode.unsubscribed;
      }
      detail.sms = { optedOut: !!listed, carrierRefusesTexts: carrierRefused };
      if (!listed) sms = 'inbound TD did not opt the number out';
      else if (!carrierRefused) sms = 'the carrier still accepts texts after TD';
    }
  }
  const dtmfFailed = !!dtmfNumber && !dtmf;
  const problems = [dtmfFailed ? 'pressing 0 did not opt out' : null, sms].filter(Boolean) as string[];
  if (problems.length) {
    // the playbook: the failed check's numbers held, the opt-out path in safe mode, ops alerted (services/opt-out-safety.ts)
    const numbers = [dtmfFailed ? dtmfNumber : null, sms ? cfg.selfCheckSmsNumber : null].filter((n): n is string => !!n);
    const { entered } = await selfCheckFailed(deps, { tenant, numbers, problems, detail, actor: ACTOR });
    return attention('self-check-opt-out', `${problems.join('; ')}; opt-out safe mode ${entered ? 'entered' : 'stays on'}`, detail);
  }
  const ended = await selfCheckPassed(deps, { actor: ACTOR });
  const parts = [dtmfNumber ? 'DTMF 0 opts out' : 'DTMF skipped (no test number)', cfg.simUrl ? 'SMS TD opts out and the carrier refuses texts afterwards' : 'SMS skipped (needs a handset on a real carrier)'];
  if (ended) parts.push('opt-out safe mode ended');
  return ok('self-check-opt-out', parts.join('; '), detail);
}

/**
 * Every URL in the live campaigns' active strategies (SMS texts, scripts): DNS, HTTP status,
 * redirects, timeout. A dead one flags its campaigns, alerts ops and, with `onDeadLink: hold-sms`,
 * holds the SMS that carry it (services/link-check.ts).
 */
export async function checkLinks(deps: MaintenanceDeps): Promise<CheckResult> {
  const r = await checkAllLinks(deps);
  const summary = `${r.links} link(s) checked in ${r.ms} ms`;
  if (!r.flagged.length) return ok('link-check', `${summary}: every one answers`, r);
  return attention('link-check', `${summary}: ${r.dead} dead, ${r.flagged.length} campaign(s) flagged (${r.flagged.map((f) => f.campaignId).join(', ')})`, r);
}

/**
 * Database health: ANALYZE (fresh statistics keep the hot queries — gate, watchdog, reports — on
 * their indexes), then every B-tree index whose estimated dead space is ≥ 30% (on ≥ 1 MiB) is
 * rebuilt with REINDEX CONCURRENTLY (writes go on meanwhile). A rebuild that fails (e.g. a lock
 * timeout) is a finding; the others still run.
 */
export async function checkDatabaseHealth(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const started = Date.now();
  await analyzeAll(db);
  heartbeat();
  const analyzeMs = Date.now() - started;
  const indexes = await btreeIndexStats(db);
  const reindexed: Array<{ index: string; table: string; bloat: number; pagesBefore: number; pagesAfter: number }> = [];
  const failed: Array<{ index: string; error: string }> = [];
  for (const ix of indexes.filter(needsReindex)) {
    try {
      await reindexConcurrently(db, ix.index);
      reindexed.push({ index: ix.index, table: ix.table, bloat: Math.round(bloatRatio(ix) * 1000) / 1000, pagesBefore: ix.pages, pagesAfter: await indexPages(db, ix.index) });
    } catch (err) {
      failed.push({ index: ix.index, error: (err as Error).message.split('\n')[0]! });
    }
    heartbeat();
  }
  const largest = indexes.slice(0, 10).map((ix) => ({ index: ix.index, pages: ix.pages, bloat: Math.round(bloatRatio(ix) * 1000) / 1000 }));
  const detail = { analyzeMs, indexes: indexes.length, threshold: REINDEX_AT, reindexed, failed, largest };
  const summary = `ANALYZE in ${analyzeMs} ms; ${indexes.length} B-tree index(es) checked, ${reindexed.length} rebuilt (≥ ${REINDEX_AT.bloat * 100}% dead space)${failed.length ? `, ${failed.length} rebuild(s) failed` : ''}`;
  return failed.length ? attention('database-health', summary, detail) : ok('database-health', summary, detail);
}
