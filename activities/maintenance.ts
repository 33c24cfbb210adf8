/**
 * The checks of the daily, weekly and monthly routines (DESIGN.md "Scheduled routines"). Each
 * returns a CheckResult — ok, attention (a finding), skipped (not possible here, and why) — and
 * raises an alert for findings; workflows/maintenance.ts runs them and stores the run.
 */
import { execFile } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { and, eq, gte, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { activeStrategy, ensureCampaign } from '../db/queries/campaigns';
import { removeOptOut, upsertContact } from '../db/queries/contacts';
import { lineHealth, linesFor } from '../db/queries/lines';
import { callCounts, rates, summary, type Counts } from '../db/queries/reports';
import { zoneAtLocalHour } from '../domain/local-time';
import { apiKeys, attempts, campaigns, contacts, lines, maintenanceRuns, optOuts } from '../db/schema';
import type { CheckResult } from '../domain/maintenance';
import type { AlertInput, MaintenanceActivities } from '../workflows/contracts';
import { deliverEvent } from '../services/cadences';
import { twilioErrorCode, TwilioCode, type Carrier } from './carrier';

const run = promisify(execFile);
const DAY = 24 * 3600_000;

export interface MaintenanceConfig {
  tenant: string;
  databaseUrl: string;
  /** Where PostgreSQL data and call recordings live (checked for ≥30% free space). */
  dataDir: string;
  recordingsDir: string;
  /** Backup targets: the first is local, the others are copies (directories). */
  backupTargets: string[];
  backupKeep: number;
  /** The simulator's URL when the carrier is the simulator: enables the SMS self-check and the stress test. */
  simUrl?: string;
  /** A number that answers and presses 0 (the simulator: any number ending in 4); unset: the DTMF check is skipped. */
  selfCheckDtmfNumber?: string;
  selfCheckSmsNumber: string;
  selfCheckTimeoutMs: number;
  /** The monthly stress test: the configured peak and how long to hold it. */
  stressCallsPerHour: number;
  stressDurationMs: number;
  recordingRetentionDays: number;
}

/** Minimum recording retention per industry (finance keeps ≥ 1 year). */
export const MIN_RETENTION_DAYS: Record<string, number> = { finance: 365 };

export const SELF_CHECK_CAMPAIGN = '__selfcheck';
export const STRESS_CAMPAIGN = '__stress';

export interface MaintenanceDeps {
  db: Db;
  carrier: Carrier;
  temporal?: Client;
  taskQueue: string;
  config: MaintenanceConfig;
  raiseAlert: (a: AlertInput) => Promise<number>;
}

const ok = (name: string, summary: string, detail?: unknown): CheckResult => ({ name, status: 'ok', summary, ...(detail === undefined ? {} : { detail }) });
const attention = (name: string, summary: string, detail?: unknown): CheckResult => ({ name, status: 'attention', summary, ...(detail === undefined ? {} : { detail }) });
const skipped = (name: string, summary: string): CheckResult => ({ name, status: 'skipped', summary });
const pct = (r: number | null) => (r === null ? 'n/a' : `${Math.round(r * 1000) / 10}%`);
const mask = (phone: string) => `${phone.slice(0, -4).replace(/\d/g, '•')}${phone.slice(-4)}`;

/** A zone where it is noon now, so a check's call is never in quiet hours. */
const noonZone = () => zoneAtLocalHour(12, Date.now());

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await fn();
    if (v) return v;
    heartbeat();
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}

export function createMaintenanceActivities(deps: MaintenanceDeps): MaintenanceActivities {
  const { db, config: cfg } = deps;
  const actor = 'maintenance';

  // ---- daily ----

  /** Dial failure rate ≥ 5% or complaint rate (opt-outs ÷ answered) ≥ 0.3% over the last day. */
  async function checkAlertRates(): Promise<CheckResult> {
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

  /** Lines under 85% connect rate over the last day (≥ 20 calls) are closed; their tier falls to the next line. */
  async function closeWeakLines(): Promise<CheckResult> {
    const closed: unknown[] = [];
    for (const line of await db.select().from(lines).where(ne(lines.state, 'closed'))) {
      const h = await lineHealth(db, line.id, { since: new Date(Date.now() - DAY), lastN: 100_000 });
      if (h.calls < 20 || h.connectRate >= 0.85) continue;
      await db.update(lines).set({ state: 'closed', stateChangedAt: new Date() }).where(eq(lines.id, line.id));
      const next = (await linesFor(db, line.tier))[0]?.id ?? null;
      await audit(db, { actor, action: 'line.close', target: line.id, before: { state: line.state }, after: { state: 'closed', connectRate: h.connectRate, calls: h.calls, trafficTo: next } });
      await deps.raiseAlert({ kind: 'line-closed', severity: 'warning', message: `Line ${line.id} closed: connect rate ${pct(h.connectRate)} over ${h.calls} calls; its traffic goes to ${next ?? 'no line'}`, detail: { lineId: line.id, trafficTo: next } });
      closed.push({ lineId: line.id, connectRate: h.connectRate, calls: h.calls, trafficTo: next });
    }
    return closed.length ? attention('close-weak-lines', `${closed.length} line(s) closed`, closed) : ok('close-weak-lines', 'every line at ≥ 85% connect rate (or too few calls to judge)');
  }

  /**
   * Soft-deletes invalid numbers and contacts not reached in 3 months (older than 90 days, no call
   * answered in 90 days), with an audit record. The DNC list is separate and never purged.
   * Duplicates cannot exist: (tenant, phone) is unique and every phone is normalised to E.164.
   */
  async function purgeContacts(): Promise<CheckResult> {
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
    if (invalid.length + stale.length) await audit(db, { actor, action: 'contacts.purge', after: detail });
    return ok('purge-contacts', `soft-deleted ${invalid.length} invalid and ${stale.length} not reached in 3 months; 0 duplicates (unique by normalised phone)`, detail);
  }

  /** Data and recordings need ≥ 30% free space. */
  async function checkDisk(): Promise<CheckResult> {
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

  /** 10–20 random finished calls of the last day, for a person to review. */
  async function sampleCalls(): Promise<CheckResult> {
    const want = randomInt(10, 21);
    const rows = await db
      .select({ id: attempts.id, phone: contacts.phone, campaignId: attempts.campaignId, status: attempts.status, outcome: attempts.outcome, durationSec: attempts.durationSec, providerSid: attempts.providerSid })
      .from(attempts)
      .innerJoin(contacts, eq(contacts.id, attempts.contactId))
      .where(and(eq(attempts.channel, 'call'), gte(attempts.reservedAt, new Date(Date.now() - DAY)), sql`${attempts.endedAt} is not null`, ne(attempts.campaignId, STRESS_CAMPAIGN)))
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
  async function selfCheckOptOut(): Promise<CheckResult> {
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
      createdBy: actor,
    });
    const active = (await activeStrategy(db, SELF_CHECK_CAMPAIGN))!;
    const detail: Record<string, unknown> = {};

    let dtmf: typeof optOuts.$inferSelect | null = null;
    if (!dtmfNumber) detail.dtmf = 'skipped: set REDIAL_SELF_CHECK_DTMF_NUMBER to a number that answers and presses 0';
    else {
      await removeOptOut(db, tenant, dtmfNumber);
      const contact = await upsertContact(db, { tenant, phone: dtmfNumber, timeZone: noonZone(), name: 'self-check', consentSource: 'self-check' }, true);
      await db.update(contacts).set({ status: 'active' }).where(eq(contacts.id, contact.id));
      await deliverEvent(deps.temporal, deps.taskQueue, { ...contact, status: 'active' }, {
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
    const problems = [dtmfNumber && !dtmf ? 'pressing 0 did not opt out' : null, sms].filter(Boolean) as string[];
    if (problems.length) {
      await deps.raiseAlert({ kind: 'self-check', severity: 'critical', message: `Opt-out self-check failed: ${problems.join('; ')}`, detail });
      return attention('self-check-opt-out', problems.join('; '), detail);
    }
    const parts = [dtmfNumber ? 'DTMF 0 opts out' : 'DTMF skipped (no test number)', cfg.simUrl ? 'SMS TD opts out and the carrier refuses texts afterwards' : 'SMS skipped (needs a handset on a real carrier)'];
    return ok('self-check-opt-out', parts.join('; '), detail);
  }

  // ---- weekly ----

  async function pgBin(name: string) {
    const dir = process.env.PG_BINDIR ?? (await run('pg_config', ['--bindir']).then((r) => r.stdout.trim()).catch(() => ''));
    return dir ? path.join(dir, name) : name;
  }

  async function tableCounts(sqlc: postgres.Sql): Promise<Record<string, number>> {
    const tables = await sqlc<{ t: string }[]>`select tablename as t from pg_tables where schemaname = 'public' order by 1`;
    const out: Record<string, number> = {};
    for (const { t } of tables) out[t] = Number((await sqlc.unsafe(`select count(*)::int as n from "${t}"`))[0]!.n);
    return out;
  }

  /**
   * pg_dump to the local target, copied to the second one (checksums compared), then restored into
   * a scratch database and compared table by table; old backups beyond `backupKeep` are pruned.
   */
  async function backupDatabase(): Promise<CheckResult> {
    if (!cfg.backupTargets.length) return skipped('backup', 'no backup target configured (REDIAL_BACKUP_DIRS)');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = `redial-${stamp}.dump`;
    const [first, ...others] = cfg.backupTargets as [string, ...string[]];
    await mkdir(first, { recursive: true });
    const local = path.join(first, file);
    const source = postgres(cfg.databaseUrl, { max: 1, onnotice: () => {} });
    const scratchName = `redial_verify_${stamp.replace(/-/g, '_').toLowerCase()}`;
    try {
      const before = await tableCounts(source);
      await run(await pgBin('pg_dump'), ['--format=custom', '--no-owner', `--file=${local}`, cfg.databaseUrl], { maxBuffer: 16 << 20 });
      heartbeat();
      const after = await tableCounts(source);
      const digest = createHash('sha256').update(await readFile(local)).digest('hex');
      const copies: Array<{ target: string; sha256Matches: boolean }> = [];
      for (const dir of others) {
        await mkdir(dir, { recursive: true });
        await copyFile(local, path.join(dir, file));
        copies.push({ target: dir, sha256Matches: createHash('sha256').update(await readFile(path.join(dir, file))).digest('hex') === digest });
      }
      await source.unsafe(`create database "${scratchName}"`);
      const scratchUrl = new URL(cfg.databaseUrl);
      scratchUrl.pathname = `/${scratchName}`;
      await run(await pgBin('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${scratchUrl}`, local], { maxBuffer: 16 << 20 });
      heartbeat();
      const scratch = postgres(scratchUrl.toString(), { max: 1, onnotice: () => {} });
      const restored = await tableCounts(scratch).finally(() => scratch.end({ timeout: 5 }));
      // a table that changed while the dump ran can differ; one that did not must match exactly
      const mismatched = Object.keys(before).filter((t) => before[t] === after[t] && restored[t] !== before[t]);
      const pruned = await prune(cfg.backupTargets, cfg.backupKeep);
      const detail = { file, bytes: (await stat(local)).size, sha256: digest, targets: cfg.backupTargets, copies, tables: Object.keys(restored).length, rows: restored, mismatched, pruned };
      const bad = mismatched.length > 0 || copies.some((c) => !c.sha256Matches) || Object.keys(restored).length !== Object.keys(before).length;
      if (bad) {
        await deps.raiseAlert({ kind: 'backup', severity: 'critical', message: `Backup ${file} did not verify`, detail });
        return attention('backup', `backup ${file} did not verify`, detail);
      }
      return ok('backup', `${file} (${detail.bytes} bytes) in ${cfg.backupTargets.length} target(s), restored and compared: ${detail.tables} tables match`, detail);
    } finally {
      await source.unsafe(`drop database if exists "${scratchName}"`).catch(() => undefined);
      await source.end({ timeout: 5 });
    }
  }

  async function prune(targets: string[], keep: number) {
    let n = 0;
    for (const dir of targets) {
      const dumps = (await readdir(dir)).filter((f) => /^redial-.*\.dump$/.test(f)).sort();
      for (const f of dumps.slice(0, Math.max(0, dumps.length - keep))) {
        await rm(path.join(dir, f));
        n++;
      }
    }
    return n;
  }

  /** Who holds admin, and keys unused for 30 days (candidates for revocation). */
  async function permissionAudit(): Promise<CheckResult> {
    const keys = await db.select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, createdAt: apiKeys.createdAt, lastUsedAt: apiKeys.lastUsedAt }).from(apiKeys).where(isNull(apiKeys.revokedAt));
    const cutoff = Date.now() - 30 * DAY;
    const admins = keys.filter((k) => k.role === 'admin').map((k) => ({ id: k.id, name: k.name, lastUsedAt: k.lastUsedAt?.toISOString() ?? null }));
    const unused = keys.filter((k) => (k.lastUsedAt ?? k.createdAt).getTime() < cutoff).map((k) => ({ id: k.id, name: k.name, role: k.role, lastUsedAt: k.lastUsedAt?.toISOString() ?? null }));
    const detail = { admins, unusedFor30Days: unused, activeKeys: keys.length };
    return unused.length ? attention('permission-audit', `${admins.length} admin key(s); ${unused.length} key(s) unused for 30 days`, detail) : ok('permission-audit', `${admins.length} admin key(s); every key used in the last 30 days`, detail);
  }

  /** Each campaign's strategy versions over the last week, side by side; a version that does worse than the one before is flagged. */
  async function strategyReview(): Promise<CheckResult> {
    const since = new Date(Date.now() - 7 * DAY);
    const rows = await db
      .select({ campaignId: attempts.campaignId, version: attempts.strategyVersion, ...callCounts })
      .from(attempts)
      .where(and(eq(attempts.channel, 'call'), gte(attempts.reservedAt, since), ne(attempts.campaignId, STRESS_CAMPAIGN), ne(attempts.campaignId, SELF_CHECK_CAMPAIGN)))
      .groupBy(attempts.campaignId, attempts.strategyVersion)
      .orderBy(attempts.campaignId, attempts.strategyVersion);
    const review = rows.map((r) => ({ ...r, ...rates(r) }));
    const worse = review.filter((r, i) => {
      const prev = review[i - 1];
      return prev && prev.campaignId === r.campaignId && r.answerRate !== null && prev.answerRate !== null && r.answerRate < prev.answerRate - 0.1;
    });
    const detail = { versions: review, worseThanPrevious: worse.map((w) => `${w.campaignId}@${w.version}`) };
    return worse.length ? attention('strategy-review', `${worse.length} version(s) answer worse than the version before`, detail) : ok('strategy-review', `${review.length} campaign version(s) reviewed`, detail);
  }

  // ---- monthly ----

  /**
   * The whole pipeline at the configured peak against the simulator: cadences started for
   * synthetic contacts (campaign __stress) at an even rate, calls placed and finished; reports the
   * achieved rate and how long each waited for its dial. Skipped on a real carrier.
   */
  async function stressTest(): Promise<CheckResult> {
    if (!cfg.simUrl) return skipped('stress-test', 'the carrier is not the simulator: a stress test would place real calls');
    if (!deps.temporal) return skipped('stress-test', 'this worker has no Temporal client');
    await ensureCampaign(db, { id: STRESS_CAMPAIGN, name: 'Stress test (maintenance)', strategy: { maxAttempts: 1, jitterSeconds: 0, firstContactAfterMinutes: {} }, createdBy: actor });
    const active = (await activeStrategy(db, STRESS_CAMPAIGN))!;
    const total = Math.max(1, Math.round((cfg.stressCallsPerHour * cfg.stressDurationMs) / 3_600_000));
    const gapMs = 3_600_000 / cfg.stressCallsPerHour;
    const runId = Date.now().toString(36);
    const zone = noonZone();
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + i * gapMs;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      // 555-01xx numbers ending in 7 (the simulator's "listens": answered, completed)
      const phone = `+1555${String(randomInt(0, 1e6)).padStart(6, '0')}7`;
      const c = await upsertContact(db, { tenant: cfg.tenant, phone, timeZone: zone, consentSource: 'stress-test' }, true);
      ids.push(c.id);
      await deliverEvent(deps.temporal, deps.taskQueue, c, { id: `stress:${runId}:${i}`, type: 'lead.created', campaignId: STRESS_CAMPAIGN, occurredAt: due, strategy: active.strategy, strategyVersion: active.version });
      heartbeat(i);
    }
    const finished = await waitFor(async () => {
      const [r] = await db.select({ n: sql<number>`count(*) filter (where ${attempts.endedAt} is not null or ${attempts.status} = 'carrier-failed')::int` }).from(attempts).where(inArray(attempts.contactId, ids));
      return (r?.n ?? 0) >= total ? r : null;
    }, 120_000);
    const rows = await db.select({ reservedAt: attempts.reservedAt, placedAt: attempts.placedAt, status: attempts.status }).from(attempts).where(inArray(attempts.contactId, ids));
    const waits = rows.filter((r) => r.placedAt).map((r) => r.placedAt!.getTime() - r.reservedAt.getTime()).sort((a, b) => a - b);
    const q = (p: number) => (waits.length ? waits[Math.min(waits.length - 1, Math.floor(p * waits.length))]! : null);
    const elapsed = (Date.now() - started) / 1000;
    await db.update(contacts).set({ deletedAt: new Date() }).where(inArray(contacts.id, ids));
    const completed = rows.filter((r) => r.status === 'completed').length;
    const detail = { targetCallsPerHour: cfg.stressCallsPerHour, events: total, calls: rows.length, completed, seconds: elapsed, achievedCallsPerHour: Math.round((rows.length / ((cfg.stressDurationMs || 1) / 1000)) * 3600), reserveToDialMs: { p50: q(0.5), p95: q(0.95), max: q(1) } };
    if (!finished || completed < total) {
      await deps.raiseAlert({ kind: 'stress-test', severity: 'warning', message: `Stress test: ${completed} of ${total} calls completed`, detail });
      return attention('stress-test', `${completed} of ${total} calls completed at ${cfg.stressCallsPerHour}/h`, detail);
    }
    return ok('stress-test', `${total} calls at ${cfg.stressCallsPerHour}/h: all completed; reserve→dial p50 ${q(0.5)} ms, p95 ${q(0.95)} ms`, detail);
  }

  /** Each line's days over the last month: calls, failure and connect rates, and the bad days. */
  async function lineStability(): Promise<CheckResult> {
    const since = new Date(Date.now() - 30 * DAY);
    const day = sql<string>`to_char(${attempts.reservedAt} at time zone 'UTC', 'YYYY-MM-DD')`;
    const rows = await db
      .select({ lineId: attempts.lineId, day, ...callCounts })
      .from(attempts)
      .where(and(eq(attempts.channel, 'call'), gte(attempts.reservedAt, since), sql`${attempts.lineId} is not null`))
      .groupBy(attempts.lineId, day)
      .orderBy(attempts.lineId, day);
    const totals: Record<string, Counts & { days: number; badDays: string[] }> = {};
    for (const { lineId, day: d, ...c } of rows) {
      const t = (totals[lineId!] ??= { attempted: 0, placed: 0, delivered: 0, answered: 0, converted: 0, optedOut: 0, invalid: 0, carrierFailures: 0, days: 0, badDays: [] });
      for (const k of Object.keys(c) as Array<keyof Counts>) t[k] += c[k];
      t.days++;
      const r = rates(c);
      if (c.placed >= 20 && ((r.lineFailureRate ?? 0) >= 0.1 || (r.lineConnectRate ?? 1) < 0.85)) t.badDays.push(d);
    }
    const byLine = Object.fromEntries(
      Object.entries(totals).map(([id, t]) => {
        const r = rates(t);
        return [id, { days: t.days, calls: t.placed, failureRate: r.lineFailureRate ?? 0, connectRate: r.lineConnectRate ?? 1, badDays: t.badDays }];
      }),
    );
    const unstable = Object.entries(byLine).filter(([, l]) => l.badDays.length);
    return unstable.length ? attention('line-stability', unstable.map(([id, l]) => `${id}: ${l.badDays.length} bad day(s)`).join('; '), byLine) : ok('line-stability', `${Object.keys(byLine).length} line(s), no bad day in 30 days`, byLine);
  }

  /** Recordings kept long enough for every industry in use (finance ≥ 1 year), and what is stored. */
  async function recordingsRetention(): Promise<CheckResult> {
    const industries = (await db.selectDistinct({ industry: campaigns.industry }).from(campaigns)).map((r) => r.industry).filter((x): x is string => !!x);
    const short = industries.filter((i) => (MIN_RETENTION_DAYS[i] ?? 0) > cfg.recordingRetentionDays).map((i) => ({ industry: i, requiredDays: MIN_RETENTION_DAYS[i], configuredDays: cfg.recordingRetentionDays }));
    await mkdir(cfg.recordingsDir, { recursive: true });
    const files = await readdir(cfg.recordingsDir, { withFileTypes: true });
    let oldest: number | null = null;
    for (const f of files.filter((x) => x.isFile())) {
      const m = (await stat(path.join(cfg.recordingsDir, f.name))).mtimeMs;
      oldest = oldest === null ? m : Math.min(oldest, m);
    }
    const detail = { retentionDays: cfg.recordingRetentionDays, industries, belowMinimum: short, recordings: files.length, oldestDays: oldest === null ? null : Math.floor((Date.now() - oldest) / DAY) };
    if (short.length) {
      await deps.raiseAlert({ kind: 'retention', severity: 'critical', message: `Recording retention ${cfg.recordingRetentionDays} days is below the minimum for ${short.map((s) => s.industry).join(', ')}`, detail });
      return attention('recordings-retention', `retention ${cfg.recordingRetentionDays} days < required for ${short.map((s) => `${s.industry} (${s.requiredDays})`).join(', ')}`, detail);
    }
    return ok('recordings-retention', `retention ${cfg.recordingRetentionDays} days covers ${industries.length ? industries.join(', ') : 'every industry'}`, detail);
  }

  /** Stores a routine's run; the status is its worst check. */
  async function recordRun(r: { routine: string; workflowId: string; runId: string; startedAt: number; results: CheckResult[] }): Promise<number> {
    const status = r.results.some((x) => x.status === 'failed') ? 'failed' : r.results.some((x) => x.status === 'attention') ? 'attention' : 'ok';
    const [row] = await db
      .insert(maintenanceRuns)
      .values({ routine: r.routine, workflowId: r.workflowId, runId: r.runId, status, results: r.results, startedAt: new Date(r.startedAt) })
      .returning({ id: maintenanceRuns.id });
    return row!.id;
  }

  return { recordRun, checkAlertRates, closeWeakLines, purgeContacts, checkDisk, sampleCalls, selfCheckOptOut, backupDatabase, permissionAudit, strategyReview, stressTest, lineStability, recordingsRetention };
}
