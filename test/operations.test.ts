/**
 * Scheduled maintenance on the real system (Temporal Schedules on the dev server, PostgreSQL, the
 * simulator through the twilio client): the schedules are registered idempotently and listed, and
 * triggered runs of the daily, weekly and monthly routines leave their effects and results.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureSchedules } from '../services/schedules';
import { eventually, opsWebhook, startSystem, type System } from './helpers/system';
import { readdirSync, readFileSync } from 'node:fs';
import { testKeyring } from './helpers/env';
import { openFile } from '../services/keyring';
import { BACKUP_PURPOSE } from '../activities/maintenance/weekly';

type Run = { routine: string; status: string; results: Array<{ name: string; status: string; summary: string; detail?: unknown }> };

describe('scheduled maintenance', () => {
  let sys: System;
  let ops: Awaited<ReturnType<typeof opsWebhook>>;

  before(async () => {
    ops = await opsWebhook();
    sys = await startSystem({ schedules: true, opsWebhookUrl: ops.url });
  });
  after(async () => {
    await sys?.stop();
    await ops?.close();
  });

  const trigger = async (name: string) => {
    const before = Number((await sys.sql`select count(*)::int as n from maintenance_runs`)[0]!.n);
    const res = await sys.call('POST', `/v1/maintenance/schedules/${name}/trigger`);
    assert.equal(res.status, 200, await res.clone().text());
    const routine = name.replace('maintenance-', '');
    return eventually(async () => {
      const runs = (await (await sys.call('GET', `/v1/maintenance/runs?routine=${routine}`)).json()) as { runs: Run[] };
      const n = Number((await sys.sql`select count(*)::int as n from maintenance_runs`)[0]!.n);
      return n > before ? runs.runs[0] : null;
    }, 150_000, `a ${routine} run`);
  };
  const check = (run: Run, name: string) => run.results.find((r) => r.name === name)!;

  test('the schedules are registered once however often the worker starts, and listed with their next run', async () => {
    const again = await ensureSchedules(sys.temporal, { taskQueue: sys.taskQueue, timeZone: 'UTC', policy: sys.policy, idPrefix: `${sys.taskQueue}-` });
    assert.deepEqual(again, sys.schedules);
    const mine: string[] = [];
    for await (const s of sys.temporal.schedule.list()) if (s.scheduleId.startsWith(sys.taskQueue)) mine.push(s.scheduleId);
    assert.equal(mine.length, 4, 'no duplicates');
    const res = (await (await sys.call('GET', '/v1/maintenance/schedules')).json()) as { schedules: Array<{ name: string; paused: boolean; nextRunAt: string | null }> };
    assert.deepEqual(res.schedules.map((s) => s.name), ['maintenance-daily', 'maintenance-weekly', 'maintenance-monthly', 'incident-watchdog']);
    for (const s of res.schedules) assert.ok(s.nextRunAt && Date.parse(s.nextRunAt) > Date.now() - 60_000, `${s.name} has a next run`);
    const paused = (await (await sys.call('POST', '/v1/maintenance/schedules/maintenance-monthly/pause')).json()) as { paused: boolean };
    assert.equal(paused.paused, true);
    const d = await sys.temporal.schedule.getHandle(`${sys.taskQueue}-maintenance-monthly`).describe();
    assert.equal(d.state.paused, true, 'paused in Temporal itself');
    assert.equal(((await (await sys.call('POST', '/v1/maintenance/schedules/maintenance-monthly/unpause')).json()) as { paused: boolean }).paused, false);
  });

  test('daily: alerts, a weak line closed, invalid contacts purged, disk, a call sample, the opt-out self-check', async () => {
    // a day of traffic: the backup line delivered 5 of 30 calls (carrier failures), the standard line 30 of 30
    const [c] = await sys.sql`insert into contacts (tenant, phone, time_zone) values (${sys.tenant}, '+14155550188', 'UTC') returning id`;
    const [bad] = await sys.sql`insert into contacts (tenant, phone, time_zone, status) values (${sys.tenant}, '+14155550199', 'UTC', 'invalid') returning id`;
    for (let i = 0; i < 60; i++) {
      const failed = i < 25;
      await sys.sql`insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, line_id, provider_sid, status, outcome, ended_at)
        values (${`seed#${i}`}, ${c!.id}, 'default', 'seed', 'call', 1, '2026-01-01', ${i < 30 ? 'sim-backup' : 'sim-standard'}, ${`CAseed${i}`}, ${failed ? 'failed' : 'completed'}, ${failed ? 'carrier-failure' : 'answered'}, now())`;
    }
    const run = await trigger('maintenance-daily');
    assert.deepEqual(run.results.map((r) => r.name), ['alert-rates', 'close-weak-lines', 'purge-contacts', 'disk-space', 'sample-calls', 'self-check-opt-out', 'link-check', 'playbook', 'database-health']);
    assert.ok(run.results.every((r) => r.status !== 'failed'), JSON.stringify(run.results.filter((r) => r.status === 'failed')));

    assert.equal(check(run, 'alert-rates').status, 'attention');
    assert.equal(check(run, 'close-weak-lines').status, 'attention');
    assert.equal((await sys.sql`select state from lines where id = 'sim-backup'`)[0]!.state, 'closed');
    assert.equal((await sys.sql`select state from lines where id = 'sim-standard'`)[0]!.state, 'active');
    assert.ok((await sys.sql`select deleted_at from contacts where id = ${bad!.id}`)[0]!.deleted_at, 'the invalid number is soft-deleted');
    assert.equal((await sys.sql`select count(*)::int as n from audit_log where action in ('contacts.purge', 'line.close')`)[0]!.n, 2);
    const sample = check(run, 'sample-calls').detail as unknown[];
    assert.ok(sample.length >= 10 && sample.length <= 20, `sample of ${sample.length}`);
    assert.equal(check(run, 'self-check-opt-out').status, 'ok', check(run, 'self-check-opt-out').summary);
    const dnc = await sys.sql`select phone, source from opt_outs where phone in ('+15005550104', '+15005550105') order by phone`;
    assert.deepEqual(dnc.map((r) => r.source), ['dtmf', 'sms']);

    await eventually(async () => ops.received.some((h) => h.kind === 'line-closed') && ops.received.some((h) => h.kind === 'daily-rates'), 5_000, 'ops to hear of it');
    const stored = await sys.sql`select kind, delivered_at from alerts`;
    assert.ok(stored.length >= 2 && stored.every((a) => a.delivered_at), 'every alert stored and delivered');
  });

  test('weekly: a backup in two places, restored into a scratch database and compared; the permission audit', async () => {
    const run = await trigger('maintenance-weekly');
    const backup = check(run, 'backup');
    assert.equal(backup.status, 'ok', backup.summary);
    const d = backup.detail as { file: string; copies: Array<{ sha256Matches: boolean }>; mismatched: string[]; rows: Record<string, number>; tables: number };
    for (const dir of sys.maintenance.backupTargets) assert.ok(existsSync(path.join(dir, d.file)), `backup in ${dir}`);
    // sealed: the file holds no number, name or line token, and nothing else is left in the folder
    const bytes = readFileSync(path.join(sys.maintenance.backupTargets[0]!, d.file));
    for (const secret of ['+14155550188', '4155550188', 'sim-token-standard', 'sim-token-backup']) assert.ok(!bytes.includes(secret), `the backup holds ${secret.startsWith('sim') ? 'a token' : 'a number'} in clear`);
    assert.ok(readdirSync(sys.maintenance.backupTargets[0]!).every((f) => f.endsWith('.sealed')), 'no clear dump left behind');
    // and it opens with the keyring (as a restore would), into a real pg_dump archive
    const opened = path.join(path.dirname(sys.maintenance.backupTargets[0]!), 'opened.dump');
    await openFile(testKeyring(), path.join(sys.maintenance.backupTargets[0]!, d.file), opened, BACKUP_PURPOSE);
    assert.equal(readFileSync(opened).subarray(0, 5).toString(), 'PGDMP');
    assert.deepEqual(d.copies.map((c) => c.sha256Matches), [true]);
    assert.deepEqual(d.mismatched, []);
    const live = Number((await sys.sql`select count(*)::int as n from contacts`)[0]!.n);
    assert.equal(d.rows.contacts, live, 'the restored copy holds every contact');
    assert.ok(d.tables >= 15);
    assert.equal((await sys.sql`select count(*)::int as n from pg_database where datname like 'redial_verify_%'`)[0]!.n, 0, 'the scratch database is dropped');
    const perms = check(run, 'permission-audit').detail as { admins: unknown[] };
    assert.ok(perms.admins.length >= 1);
    assert.ok(check(run, 'strategy-review'));
  });

  test('monthly: a stress test through the whole pipeline, line stability, recordings retention', async () => {
    await sys.call('POST', '/v1/campaigns', { id: 'fin', name: 'Finance', industry: 'finance' });
    const run = await trigger('maintenance-monthly');
    const stress = check(run, 'stress-test');
    assert.equal(stress.status, 'ok', stress.summary);
    const d = stress.detail as { completed: number; achievedCallsPerHour: number; spanSeconds: number };
    assert.equal(d.completed, 5, 'all 5 calls (3,600/h for 5 s) completed');
    // the achieved rate is measured on the calls themselves: first reservation to last completion
    const [span] = await sys.sql`select count(*)::int as n, extract(epoch from max(ended_at) - min(reserved_at))::float8 as s from attempts where campaign_id = '__stress'`;
    const measured = (Number(span!.n) / Number(span!.s)) * 3600;
    assert.ok(Math.abs(d.achievedCallsPerHour - measured) <= measured * 0.005, `achieved ${d.achievedCallsPerHour}/h, the attempts say ${Math.round(measured)}/h`);
    assert.ok(Math.abs(d.spanSeconds - Number(span!.s)) < 0.01, `span ${d.spanSeconds} s, the attempts say ${span!.s} s`);
    assert.ok(check(run, 'line-stability'));
    const retention = check(run, 'recordings-retention');
    assert.equal(retention.status, 'ok', 'finance needs 365 days; 400 are kept');
  });
});
