/**
 * Recordings in the store and their retention, on the real files: daily, the recordings whose
 * callback never came are asked of the carrier by call and fetched, and those past their retention are deleted
 * from the store — never before their industry's floor (finance ≥ 365 days, whatever the row or
 * the strategy says) — each marked purged and audited; monthly, the store is verified against the
 * attempts: every recorded call has its file, every file its row and its checksum, and nothing
 * was purged before its time.
 */
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { audit } from '../../db/queries/audit';
import { lineById } from '../../db/queries/lines';
import { allRecordings, markPurged, recordedAttemptsWithoutRecording, recordingsDue } from '../../db/queries/recordings';
import { clearTurnTexts } from '../../db/queries/script';
import { attention, ok, type CheckResult } from '../../domain/maintenance';
import { redactPhones } from '../../domain/phone';
import { earliestPurge, mayPurge } from '../../domain/recordings';
import { PARTIAL_SUFFIX, sha256OfFile, storeRecording } from '../recordings';
import type { MaintenanceDeps } from './deps';
import { ACTOR, DAY } from './shared';

/** Recordings purged per run at most (the next run takes the rest). */
const PURGE_BATCH = 5_000;
/** A recorded call that ended this long ago should have its recording in the store by now. */
const FETCH_GRACE_MS = 3600_000;
/** The daily fetch asks the carrier for the recordings of calls ended this long ago without one… */
const MISSED_AFTER_MS = 10 * 60_000;
/** …for a week at most, this many calls a run. */
const MISSED_WITHIN_MS = 7 * DAY;
const MISSED_BATCH = 500;
/** Ids listed per finding in a run's detail (the counts are whole). */
const LIST_MAX = 50;

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';
const list = <T>(xs: T[]) => ({ count: xs.length, items: xs.slice(0, LIST_MAX) });

/**
 * The daily fetch of recordings the callback did not bring (lost, or the API was down for longer
 * than the carrier retried): each answered call placed to be recorded in the last week, ended
 * 10 minutes ago or more, without a recording, is asked of the carrier by its CallSid, and what
 * the carrier has is fetched into the store like a callback would have.
 */
export async function fetchMissedRecordings(deps: MaintenanceDeps, now = Date.now()): Promise<CheckResult> {
  const { db, config: cfg } = deps;
  const missed = await recordedAttemptsWithoutRecording(db, new Date(now - MISSED_AFTER_MS), { since: new Date(now - MISSED_WITHIN_MS), limit: MISSED_BATCH });
  const fetched: Array<{ attemptId: string; recordingId: string }> = [];
  const notAtCarrier: string[] = [];
  const failed: Array<{ attemptId: string; error: string }> = [];
  for (const a of missed) {
    const line = a.lineId ? await lineById(db, a.lineId) : null;
    if (!line || !a.providerSid) {
      notAtCarrier.push(a.attemptId);
      continue;
    }
    try {
      const recs = await deps.carrier.client(line).recordings.list({ callSid: a.providerSid, limit: 20 });
      if (!recs.length) notAtCarrier.push(a.attemptId);
      for (const r of recs) fetched.push({ attemptId: a.attemptId, recordingId: (await storeRecording({ db, carrier: deps.carrier, recordingsDir: cfg.recordingsDir }, { attemptId: a.attemptId, recordingSid: r.sid })).recordingId });
    } catch (err) {
      failed.push({ attemptId: a.attemptId, error: redactPhones((err as Error).message) });
    }
  }
  const detail = { missed: missed.length, fetched: list(fetched), notAtCarrier: list(notAtCarrier), failed: list(failed) };
  if (notAtCarrier.length || failed.length) return attention('recordings-fetch', `${missed.length} recorded call(s) without a recording: ${fetched.length} fetched, ${notAtCarrier.length} not at the carrier, ${failed.length} failed`, detail);
  return ok('recordings-fetch', missed.length ? `${fetched.length} recording(s) the callback did not bring fetched` : 'every recorded call has its recording', detail);
}

/** The daily purge: each recording past its retention and its industry's floor, deleted with the words of its call's turns, and audited. */
export async function purgeRecordings(deps: MaintenanceDeps, now = Date.now()): Promise<CheckResult> {
  const { db, config: cfg } = deps;
  const due = await recordingsDue(db, new Date(now), PURGE_BATCH);
  const purged: string[] = [];
  const alreadyGone: string[] = [];
  const keptByFloor: Array<{ recordingId: string; industry: string | null; purgeAfter: string; earliest: string }> = [];
  for (const r of due) {
    const recordedAt = r.recordedAt.getTime();
    if (!mayPurge({ recordedAt, purgeAfter: r.purgeAfter.getTime(), industry: r.industry }, now)) {
      keptByFloor.push({ recordingId: r.id, industry: r.industry, purgeAfter: r.purgeAfter.toISOString(), earliest: new Date(earliestPurge(recordedAt, r.industry)).toISOString() });
      continue;
    }
    // the file first: a run cut short here leaves a row the next run purges (its file already gone)
    await unlink(path.join(cfg.recordingsDir, r.file)).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
      alreadyGone.push(r.id);
    });
    const at = new Date(now);
    await db.transaction(async (tx) => {
      if (!(await markPurged(tx, r.id, at))) return;
      // the words said on the call go with its recording
      const turnsCleared = await clearTurnTexts(tx, r.attemptId);
      await audit(tx, {
        actor: ACTOR,
        action: 'recording.purge',
        target: r.id,
        before: { recordingSid: r.recordingSid, attemptId: r.attemptId, campaignId: r.campaignId, industry: r.industry, recordedAt: r.recordedAt, purgeAfter: r.purgeAfter, sha256: r.sha256, bytes: r.bytes },
        after: { purgedAt: at, turnsCleared },
      });
    });
    purged.push(r.id);
  }
  const detail = { purged: list(purged), alreadyGone: list(alreadyGone), keptByFloor: list(keptByFloor), more: due.length === PURGE_BATCH };
  if (keptByFloor.length) {
    const summary = `${purged.length} recording(s) purged; ${keptByFloor.length} due before their industry's minimum retention kept`;
    await deps.raiseAlert({ kind: 'recordings', severity: 'warning', message: summary, detail });
    return attention('recordings-purge', summary, detail);
  }
  return ok('recordings-purge', `${purged.length} recording(s) past their retention purged`, detail);
}

/**
 * The monthly check, on the real files: each stored recording's file is there and matches its
 * checksum and size; each file in the store has its row; each call placed to be recorded that was
 * answered has its recording; nothing was purged before its own date or its industry's floor, and
 * what was purged is gone. Reports what it found, per industry what is kept and since when.
 */
export async function recordingsRetention(deps: MaintenanceDeps, now = Date.now()): Promise<CheckResult> {
  const { db, config: cfg } = deps;
  const rows = await allRecordings(db);
  const names = await readdir(cfg.recordingsDir).catch((err: unknown) => {
    if (isMissing(err)) return [] as string[];
    throw err;
  });
  const files = new Set(names.filter((n) => !n.endsWith(PARTIAL_SUFFIX)));
  const missingFile: Array<{ recordingId: string; recordingSid: string; attemptId: string }> = [];
  const checksumMismatch: Array<{ recordingId: string; recordingSid: string; expected: { sha256: string; bytes: number }; found: { sha256: string; bytes: number } }> = [];
  const purgedEarly: Array<{ recordingId: string; industry: string | null; recordedAt: string; purgedAt: string; earliest: string }> = [];
  const notDeleted: string[] = [];
  const kept: Record<string, { recordings: number; bytes: number; oldestDays: number }> = {};
  let verified = 0;
  let purged = 0;
  for (const r of rows) {
    const recordedAt = r.recordedAt.getTime();
    if (r.purgedAt) {
      purged++;
      const earliest = Math.max(r.purgeAfter.getTime(), earliestPurge(recordedAt, r.industry));
      if (r.purgedAt.getTime() < earliest) purgedEarly.push({ recordingId: r.id, industry: r.industry, recordedAt: r.recordedAt.toISOString(), purgedAt: r.purgedAt.toISOString(), earliest: new Date(earliest).toISOString() });
      if (files.has(r.file)) notDeleted.push(r.id);
      continue;
    }
    if (!files.has(r.file)) {
      missingFile.push({ recordingId: r.id, recordingSid: r.recordingSid, attemptId: r.attemptId });
      continue;
    }
    const found = await sha256OfFile(path.join(cfg.recordingsDir, r.file));
    if (found.sha256 !== r.sha256 || found.bytes !== r.bytes) checksumMismatch.push({ recordingId: r.id, recordingSid: r.recordingSid, expected: { sha256: r.sha256, bytes: r.bytes }, found });
    else verified++;
    const k = (kept[r.industry ?? 'none'] ??= { recordings: 0, bytes: 0, oldestDays: 0 });
    k.recordings++;
    k.bytes += found.bytes;
    k.oldestDays = Math.max(k.oldestDays, Math.floor((now - recordedAt) / DAY));
  }
  const known = new Set(rows.map((r) => r.file));
  const noRow = [...files].filter((f) => !known.has(f)).sort();
  const noRecording = (await recordedAttemptsWithoutRecording(db, new Date(now - FETCH_GRACE_MS))).map((a) => ({ attemptId: a.attemptId, campaignId: a.campaignId, callSid: a.providerSid }));

  const findings = { missingFile: list(missingFile), checksumMismatch: list(checksumMismatch), noRow: list(noRow), noRecording: list(noRecording), purgedEarly: list(purgedEarly), notDeleted: list(notDeleted) };
  const detail = { verified, purged, kept, ...findings };
  const kinds = Object.entries(findings).filter(([, f]) => f.count > 0);
  if (kinds.length) {
    const what: Record<string, string> = {
      missingFile: 'stored recording(s) without their file',
      checksumMismatch: 'file(s) not matching their checksum',
      noRow: 'file(s) in the store with no recording row',
      noRecording: 'recorded call(s) with no recording stored',
      purgedEarly: 'recording(s) purged before their retention',
      notDeleted: 'purged recording(s) whose file is still there',
    };
    const summary = kinds.map(([k, f]) => `${f.count} ${what[k]}`).join('; ');
    await deps.raiseAlert({ kind: 'recordings', severity: 'critical', message: `Recordings store: ${summary}`, detail });
    return attention('recordings-retention', summary, detail);
  }
  const industries = Object.entries(kept).map(([i, k]) => `${i} ${k.recordings} (oldest ${k.oldestDays} d)`);
  return ok('recordings-retention', `${verified} recording(s) match their checksums${industries.length ? ` — ${industries.join(', ')}` : ''}; ${purged} purged, none before its time; every recorded call has its file`, detail);
}
