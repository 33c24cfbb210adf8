/**
 * Call recordings through the real stack: the simulator records the calls of strategies that
 * record, posts RecordingStatusCallback (signed) to the API, a workflow fetches the recording
 * through the twilio client and HTTP into the recordings store with its checksum and retention;
 * the words of each turn are kept, sealed. Time is moved by dating the rows back: the daily purge
 * deletes an education recording past its one-day retention with the words of its call (audited)
 * and keeps a finance one (365 days whatever the strategy or the row says); the monthly check
 * passes, then finds a tampered file, a file with no row and a recorded call with no recording;
 * a recording whose callback was lost is fetched by the daily run, asked of the carrier by call.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { strategySchema } from '../domain/strategy';
import { CALL_TURN_TEXT } from '../services/call-script';
import { openText } from '../services/keyring';
import { testKeyring } from './helpers/env';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';
import { triggerRun, type Run } from './helpers/maintenance';

type Listed<T = unknown> = { count: number; items: T[] };
type PurgeDetail = { purged: Listed<string>; keptByFloor: Listed<{ recordingId: string }> };
type FetchDetail = { fetched: Listed<{ attemptId: string }>; notAtCarrier: Listed<string> };
type RetentionDetail = {
  verified: number;
  purged: number;
  kept: Record<string, unknown>;
  missingFile: Listed;
  checksumMismatch: Listed<{ recordingId: string }>;
  noRow: Listed<string>;
  noRecording: Listed<{ attemptId: string }>;
  purgedEarly: Listed;
  notDeleted: Listed;
};
type Row = { id: string; recording_sid: string; attempt_id: string; industry: string; file: string; sha256: string; bytes: number; retention_days: number; purged_at: unknown };

const DAY = 24 * 3600_000;

describe('strategy: one recording field', () => {
  test('a strategy stored with the old `record: true` records; the field is folded into `recording`', () => {
    const old = strategySchema.parse({ record: true, recording: { enabled: false, retentionDays: 30 } });
    assert.deepEqual(old.recording, { enabled: true, retentionDays: 30 });
    assert.ok(!('record' in old), 'what is stored from now on has one field');
    assert.deepEqual(strategySchema.parse({}).recording, { enabled: false, retentionDays: 90 });
    assert.equal(strategySchema.parse({ record: false, recording: { enabled: true } }).recording.enabled, true);
  });
});

describe('call recordings: fetched, kept per industry, purged, verified', () => {
  const sys = useSystem({ schedules: true, maintenance: { stressDurationMs: 2_000 } });

  const trigger = (name: string) => triggerRun(sys, name, 240_000);
  const check = (run: Run, name: string) => {
    const c = run.results.find((r) => r.name === name);
    assert.ok(c, `${run.routine} ran ${name}: ${run.results.map((r) => r.name).join(', ')}`);
    return c;
  };
  const created = async (res: Response) => assert.equal(res.status, 201, await res.clone().text());
  const speaks = (number: string, turns: unknown[]) => fetch(`${sys.simUrl}/sim/callees`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number, turns }) });
  const lead = async (phone: string, campaignId: string) => {
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, campaignId, contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202, await res.clone().text());
    return (await res.json()) as { contactId: string };
  };
  const recordingOf = (campaignId: string) => eventually(async () => ((await sys.sql`select * from recordings where campaign_id = ${campaignId}`) as unknown as Row[])[0], 120_000, `the ${campaignId} recording stored`);
  const fileOf = (r: Row) => path.join(sys.maintenance.recordingsDir, r.file);
  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  let edu: Row;
  let fin: Row;
  /** A recorded call the carrier has no recording of (test 3). */
  let lost: string;

  test('a recorded call: the recording fetched into the store by its id, with checksum and retention per industry; the words kept sealed', async () => {
    // a school that keeps recordings one day; a lender whose strategy says 30 days (finance keeps 365)
    await created(await sys.call('POST', '/v1/campaigns', { id: 'edu', name: 'School', industry: 'education', strategy: { recording: { enabled: true, retentionDays: 1 }, jitterSeconds: 0 } }));
    await created(await sys.call('POST', '/v1/campaigns', { id: 'fin', name: 'Lender', industry: 'finance', strategy: { recording: { enabled: true, retentionDays: 30 }, jitterSeconds: 0 } }));
    const eduPhone = '+8613800138517';
    const finPhone = '+8613800138527';
    assert.equal((await speaks(eduPhone, ['这个课程多少钱'])).status, 200);
    // silence: the call is answered (a scripted callee always answers) and nothing asks for another call
    assert.equal((await speaks(finPhone, [{ silence: true }])).status, 200);
    const e = await lead(eduPhone, 'edu');
    await lead(finPhone, 'fin');

    const latencies: number[] = [];
    edu = await recordingOf('edu');
    fin = await recordingOf('fin');
    for (const [r, phone] of [
      [edu, eduPhone],
      [fin, finPhone],
    ] as const) {
      assert.match(r.file, /^RE[0-9a-f]{32}\.wav$/, 'named by the recording id');
      assert.equal(r.file, `${r.recording_sid}.wav`);
      assert.ok(!r.file.includes(phone.slice(-8)), 'never by the number');
      const bytes = await readFile(fileOf(r));
      const carrier = sys.sim.recordings.get(r.recording_sid);
      assert.ok(carrier, 'the carrier made this recording');
      assert.ok(bytes.equals(carrier.audio), 'the file holds the carrier’s audio, byte for byte');
      assert.equal(bytes.subarray(0, 4).toString(), 'RIFF');
      assert.equal(r.sha256, sha256(bytes));
      assert.equal(r.bytes, bytes.length);
      const [a] = await sys.sql`select provider_sid, recording_requested from attempts where id = ${r.attempt_id}`;
      assert.equal(a!.recording_requested, true);
      assert.equal(a!.provider_sid, carrier.callSid, 'the recording is of the attempt’s call');
      // the figure for the README: from the carrier ending the call to the recording in the store
      const [st] = await sys.sql`select (extract(epoch from stored_at) * 1000)::float8 as ms from recordings where id = ${r.id}`;
      latencies.push(Math.round(Number(st!.ms) - sys.sim.calls.get(carrier.callSid)!.endedAt!));
    }
    console.log(`[recordings] call ended → recording stored: ${latencies.join(' ms, ')} ms`);
    assert.deepEqual([edu.industry, edu.retention_days, fin.industry, fin.retention_days], ['education', 1, 'finance', 365], 'finance: 365 days whatever the strategy says');
    const kept = async (r: Row) => Number((await sys.sql`select extract(epoch from purge_after - recorded_at)::float8 as s from recordings where id = ${r.id}`)[0]!.s) * 1000;
    assert.equal(await kept(edu), DAY, 'purged a day after it was recorded');
    assert.equal(await kept(fin), 365 * DAY, 'kept a year');

    const [turn] = await sys.sql`select t.text from call_turns t join attempts a on a.id = t.attempt_id where a.contact_id = ${e.contactId} and t.turn = 1`;
    assert.match(turn!.text as string, /^sealed:v1:/, 'sealed at rest');
    assert.equal(openText(testKeyring(), turn!.text as string, CALL_TURN_TEXT), '这个课程多少钱', 'the recognised words of the turn');
  });

  test('a day later the education recording is purged (audited); the finance one survives, even with its purge date tampered', async () => {
    // two days pass for both recordings; the finance row is also made to say it is due
    await sys.sql`update recordings set recorded_at = recorded_at - interval '2 days', purge_after = purge_after - interval '2 days'`;
    await sys.sql`update recordings set purge_after = now() - interval '1 hour' where id = ${fin.id}`;

    const daily = await trigger('maintenance-daily');
    const purge = check(daily, 'recordings-purge');
    assert.equal(purge.status, 'attention', purge.summary);
    const pd = purge.detail as PurgeDetail;
    assert.ok(pd.purged.items.includes(edu.id), 'the education recording is purged');
    assert.ok(!pd.purged.items.includes(fin.id));
    assert.deepEqual(pd.keptByFloor.items.map((k) => k.recordingId), [fin.id], 'kept: finance keeps 365 days');
    assert.ok(!existsSync(fileOf(edu)), 'the education file is deleted');
    assert.ok(existsSync(fileOf(fin)), 'the finance file is kept');
    const rows = await sys.sql`select id, purged_at from recordings`;
    assert.ok(rows.find((r) => r.id === edu.id)!.purged_at);
    assert.equal(rows.find((r) => r.id === fin.id)!.purged_at, null);
    const audits = await sys.sql`select target, before, after from audit_log where action = 'recording.purge' and target = ${edu.id}`;
    assert.equal(audits.length, 1, 'the purge is audited');
    assert.equal((audits[0]!.before as { sha256: string }).sha256, edu.sha256);
    assert.equal((audits[0]!.after as { turnsCleared: number }).turnsCleared, 1, 'the words of the call go with it');
    const [words] = await sys.sql`select count(*)::int as n from call_turns where attempt_id = ${edu.attempt_id} and text is not null`;
    assert.equal(words!.n, 0);
    assert.equal((await sys.sql`select count(*)::int as n from audit_log where action = 'recording.purge' and target = ${fin.id}`)[0]!.n, 0);

    const monthly = await trigger('maintenance-monthly');
    const retention = check(monthly, 'recordings-retention');
    assert.equal(retention.status, 'ok', retention.summary);
    const rd = retention.detail as RetentionDetail;
    assert.equal(rd.verified, 1, 'the finance file matches its checksum');
    assert.equal(rd.purged, 1);
    assert.deepEqual(Object.keys(rd.kept), ['finance']);
  });

  test('the monthly check finds a tampered file, a file with no row and a recorded call without its recording', async () => {
    const file = fileOf(fin);
    const bytes = await readFile(file);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(file, bytes);
    const stray = `RE${'0'.repeat(32)}.wav`;
    await writeFile(path.join(sys.maintenance.recordingsDir, stray), 'not ours');
    const [a] = await sys.sql`select contact_id from attempts where id = ${fin.attempt_id}`;
    const [row] = await sys.sql`insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, status, outcome, duration_sec, recording_requested, reserved_at, ended_at)
      values ('lost-recording#1', ${a!.contact_id}, 'fin', 'seed', 'call', 1, '2026-01-01', 'completed', 'answered', 40, true, now() - interval '3 hours', now() - interval '2 hours') returning id`;
    lost = row!.id as string;

    const run = await trigger('maintenance-monthly');
    const retention = check(run, 'recordings-retention');
    assert.equal(retention.status, 'attention', retention.summary);
    const d = retention.detail as RetentionDetail;
    assert.deepEqual(d.checksumMismatch.items.map((m) => m.recordingId), [fin.id]);
    assert.deepEqual(d.noRow.items, [stray]);
    assert.deepEqual(d.noRecording.items.map((m) => m.attemptId), [lost]);
    assert.equal(d.missingFile.count + d.purgedEarly.count + d.notDeleted.count, 0, 'nothing else');
    const [alert] = await sys.sql`select severity, message from alerts where kind = 'recordings' order by id desc limit 1`;
    assert.equal(alert!.severity, 'critical');
    assert.match(alert!.message as string, /1 file\(s\) not matching their checksum/);
  });

  test('a recording whose callback never came is asked of the carrier by call and fetched by the daily run', async () => {
    // as if the callback had been lost: no row, no file, the call ended a while ago
    await sys.sql`delete from recordings where id = ${fin.id}`;
    await unlink(fileOf(fin));
    await sys.sql`update attempts set ended_at = now() - interval '30 minutes' where id = ${fin.attempt_id}`;

    const daily = await trigger('maintenance-daily');
    const sweep = check(daily, 'recordings-fetch');
    assert.equal(sweep.status, 'attention', sweep.summary);
    const fd = sweep.detail as FetchDetail;
    assert.deepEqual(fd.fetched.items.map((f) => f.attemptId), [fin.attempt_id]);
    assert.deepEqual(fd.notAtCarrier.items, [lost], 'the seeded call has no recording at the carrier');
    const [again] = (await sys.sql`select * from recordings where attempt_id = ${fin.attempt_id}`) as unknown as Row[];
    assert.equal(again!.recording_sid, fin.recording_sid);
    assert.equal(again!.retention_days, 365);
    const bytes = await readFile(fileOf(again!));
    assert.ok(bytes.equals(sys.sim.recordings.get(fin.recording_sid)!.audio), 'the carrier’s audio, fetched again');
    assert.equal(again!.sha256, sha256(bytes));
  });
});
