/** The monthly routine's checks: stress test (also on demand), line stability, recordings retention, sensitive words. */
import { randomInt } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import { activeStrategy, ensureCampaign, liveCampaignStrategies } from '../../db/queries/campaigns';
import { transcriptLinesSince } from '../../db/queries/transcripts';
import { upsertContact } from '../../db/queries/contacts';
import { callCounts, noCounts, rates, type Counts } from '../../db/queries/reports';
import { realTraffic } from '../../db/queries/traffic';
import { attempts, campaigns, contacts } from '../../db/schema';
import { attention, MIN_RETENTION_DAYS, ok, skipped, STRESS_CAMPAIGN, type CheckResult } from '../../domain/maintenance';
import { redactPhones } from '../../domain/phone';
import { findSensitive, screenValue, wordsFor } from '../../domain/sensitive-words';
import { deliverEvent } from '../../services/cadences';
import { currentWordList } from '../../services/sensitive-words';
import type { MaintenanceDeps } from './deps';
import { ACTOR, DAY, noonZone, waitFor } from './shared';

/**
 * The whole pipeline at the configured peak against the simulator: cadences started for
 * synthetic contacts (campaign __stress) at an even rate, calls placed and finished; reports the
 * rate achieved (from the first reservation to the last call's end) and how long each waited for
 * its dial. Skipped on a real carrier. Its calls are synthetic: no report, rate or line counts them.
 * On demand (POST /v1/maintenance/stress-test, before a big promotion) the peak and duration
 * are the operator's.
 */
export async function stressTest(deps: MaintenanceDeps, target: { callsPerHour?: number; seconds?: number } = {}): Promise<CheckResult> {
  const { db } = deps;
  const cfg = { ...deps.config, stressCallsPerHour: target.callsPerHour ?? deps.config.stressCallsPerHour, stressDurationMs: target.seconds !== undefined ? target.seconds * 1000 : deps.config.stressDurationMs };
  if (!cfg.simUrl) return skipped('stress-test', 'the carrier is not the simulator: a stress test would place real calls');
  if (!deps.temporal) return skipped('stress-test', 'this worker has no Temporal client');
  await ensureCampaign(db, { id: STRESS_CAMPAIGN, name: 'Stress test (maintenance)', strategy: { maxAttempts: 1, jitterSeconds: 0, firstContactAfterMinutes: {} }, createdBy: ACTOR });
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
    await deliverEvent({ temporal: deps.temporal, taskQueue: deps.taskQueue, keyring: deps.keyring }, c, { id: `stress:${runId}:${i}`, type: 'lead.created', campaignId: STRESS_CAMPAIGN, occurredAt: due, strategy: active.strategy, strategyVersion: active.version });
    heartbeat(i);
  }
  const finished = await waitFor(async () => {
    const [r] = await db.select({ n: sql<number>`count(*) filter (where ${attempts.endedAt} is not null or ${attempts.status} = 'carrier-failed')::int` }).from(attempts).where(inArray(attempts.contactId, ids));
    return (r?.n ?? 0) >= total ? r : null;
  }, 120_000);
  const rows = await db.select({ reservedAt: attempts.reservedAt, placedAt: attempts.placedAt, endedAt: attempts.endedAt, status: attempts.status }).from(attempts).where(inArray(attempts.contactId, ids));
  const waits = rows.filter((r) => r.placedAt).map((r) => r.placedAt!.getTime() - r.reservedAt.getTime()).sort((a, b) => a - b);
  const q = (p: number) => (waits.length ? waits[Math.min(waits.length - 1, Math.floor(p * waits.length))]! : null);
  const elapsed = (Date.now() - started) / 1000;
  await db.update(contacts).set({ deletedAt: new Date() }).where(inArray(contacts.id, ids));
  const completed = rows.filter((r) => r.status === 'completed').length;
  // the rate the pipeline really carried: finished calls over the span from the first reservation
  // to the last call's end (not the configured duration, which says what we asked for)
  const ended = rows.filter((r) => r.endedAt).map((r) => r.endedAt!.getTime());
  const firstReserved = rows.length ? Math.min(...rows.map((r) => r.reservedAt.getTime())) : null;
  const spanMs = firstReserved !== null && ended.length ? Math.max(...ended) - firstReserved : null;
  const achievedCallsPerHour = spanMs ? Math.round((ended.length / spanMs) * 3_600_000) : null;
  const detail = {
    targetCallsPerHour: cfg.stressCallsPerHour,
    events: total,
    calls: rows.length,
    completed,
    seconds: elapsed,
    spanSeconds: spanMs === null ? null : spanMs / 1000,
    achievedCallsPerHour,
    reserveToDialMs: { p50: q(0.5), p95: q(0.95), max: q(1) },
  };
  if (!finished || completed < total) {
    await deps.raiseAlert({ kind: 'stress-test', severity: 'warning', message: `Stress test: ${completed} of ${total} calls completed`, detail });
    return attention('stress-test', `${completed} of ${total} calls completed at ${cfg.stressCallsPerHour}/h`, detail);
  }
  return ok('stress-test', `${total} calls at ${cfg.stressCallsPerHour}/h asked, ${achievedCallsPerHour}/h carried: all completed; reserve→dial p50 ${q(0.5)} ms, p95 ${q(0.95)} ms`, detail);
}

/** Each line's days over the last month of real calls: calls, failure and connect rates, and the bad days. */
export async function lineStability(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const since = new Date(Date.now() - 30 * DAY);
  const day = sql<string>`to_char(${attempts.reservedAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await db
    .select({ lineId: attempts.lineId, day, ...callCounts })
    .from(attempts)
    .where(and(eq(attempts.channel, 'call'), gte(attempts.reservedAt, since), sql`${attempts.lineId} is not null`, realTraffic()))
    .groupBy(attempts.lineId, day)
    .orderBy(attempts.lineId, day);
  const totals: Record<string, Counts & { days: number; badDays: string[] }> = {};
  for (const { lineId, day: d, ...c } of rows) {
    const t = (totals[lineId!] ??= { ...noCounts, days: 0, badDays: [] });
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
export async function recordingsRetention(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db, config: cfg } = deps;
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

/**
 * The sensitive-word lists over what Redial says and hears: every live campaign's active strategy
 * (its SMS, announcement, scripts) and the transcripts of the last month's calls — a finding per
 * call with the lines that hit, numbers masked.
 */
export async function scanSensitiveWords(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const list = await currentWordList(db);
  const strategies = (await liveCampaignStrategies(db)).flatMap((c) => screenValue(c.strategy, wordsFor(c.industry, list.words)).map((h) => ({ campaignId: c.campaignId, path: h.path, word: h.word, category: h.category })));
  const calls = new Map<string, { attemptId: string; campaignId: string; lines: Array<{ turn: number; line: string; words: string[] }> }>();
  for (const l of await transcriptLinesSince(db, new Date(Date.now() - 30 * DAY))) {
    const hits = findSensitive(l.text, wordsFor(l.industry, list.words));
    if (!hits.length) continue;
    const call = calls.get(l.attemptId) ?? { attemptId: l.attemptId, campaignId: l.campaignId, lines: [] };
    call.lines.push({ turn: l.turn, line: redactPhones(l.text), words: hits.map((h) => h.word) });
    calls.set(l.attemptId, call);
  }
  const detail = { listVersion: list.version, strategies, calls: [...calls.values()] };
  if (!strategies.length && !calls.size) return ok('sensitive-words', `list v${list.version}: no sensitive word in the strategies in use or the month's transcripts`, detail);
  const summary = `list v${list.version}: ${strategies.length} hit(s) in strategies in use, ${calls.size} call(s) with sensitive wording`;
  await deps.raiseAlert({ kind: 'sensitive-words', severity: 'warning', message: summary, detail });
  return attention('sensitive-words', summary, detail);
}
