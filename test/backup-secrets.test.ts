/**
 * The weekly backup and credentials, on the real system (the schedule triggered through the API,
 * the worker running pg_dump and pg_restore against PostgreSQL): the password never reaches a
 * command line, dumps are private to the worker, and a failing backup's error is stored, shown
 * and sent to ops without it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { redactSecrets } from '../domain/secrets';
import { registerKey, newKey } from '../services/keys';
import { pgClientEnv } from '../activities/maintenance/pg-client';
import { eventually, opsWebhook, startSystem, type System } from './helpers/system';
import { uid, testKeyring } from './helpers/env';

type Run = { routine: string; status: string; results: Array<{ name: string; status: string; summary: string; detail?: unknown }> };

/** pg_dump and pg_restore wrapped: each call's arguments and its passfile's mode are written down, then the real binary runs. */
function recordingPgBin(dir: string) {
  const real = execFileSync('pg_config', ['--bindir']).toString().trim();
  const log = path.join(dir, 'calls.log');
  for (const name of ['pg_dump', 'pg_restore']) {
    const script = `#!/bin/sh
printf '%s argv:' '${name}' >> '${log}'
for a in "$@"; do printf ' %s' "$a" >> '${log}'; done
printf ' | PGPASSFILE mode %s | PGPASSWORD %s | passfile %s\\n' "$(stat -c %a "$PGPASSFILE" 2>/dev/null || echo none)" "\${PGPASSWORD:-unset}" "$PGPASSFILE" >> '${log}'
exec '${path.join(real, name)}' "$@"
`;
    fs.writeFileSync(path.join(dir, name), script, { mode: 0o755 });
  }
  return { binDir: dir, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '') };
}

describe('backups and credentials', () => {
  let sys: System;
  let ops: Awaited<ReturnType<typeof opsWebhook>>;
  let pgBin: ReturnType<typeof recordingPgBin>;
  let work: string;
  const password = `Pw-${uid()}-never-shown`;

  before(async () => {
    ops = await opsWebhook();
    sys = await startSystem({ schedules: true, opsWebhookUrl: ops.url });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-pgbin-'));
    pgBin = recordingPgBin(work);
    sys.maintenance.pgBinDir = pgBin.binDir;
  });
  after(async () => {
    await sys?.stop();
    await ops?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const weekly = async () => {
    const before = Number((await sys.sql`select count(*)::int as n from maintenance_runs where routine = 'weekly'`)[0]!.n);
    const res = await sys.call('POST', '/v1/maintenance/schedules/maintenance-weekly/trigger');
    assert.equal(res.status, 200, await res.clone().text());
    await eventually(async () => Number((await sys.sql`select count(*)::int as n from maintenance_runs where routine = 'weekly'`)[0]!.n) > before, 150_000, 'a weekly run');
    const runs = (await (await sys.call('GET', '/v1/maintenance/runs?routine=weekly')).json()) as { runs: Run[] };
    return runs.runs[0]!;
  };
  const withPassword = (user?: string) => {
    const u = new URL(sys.maintenance.databaseUrl);
    if (user) u.username = user;
    u.password = password;
    return u.toString();
  };

  test('pg_dump and pg_restore get the password in a 0600 passfile, never on the command line; dumps are 0600 in 0700 folders', async () => {
    const original = sys.maintenance.databaseUrl;
    sys.maintenance.databaseUrl = withPassword();
    try {
      const run = await weekly();
      const backup = run.results.find((r) => r.name === 'backup')!;
      assert.equal(backup.status, 'ok', backup.summary);
      const calls = pgBin.calls();
      assert.match(calls, /^pg_dump argv: --format=custom --no-owner --file=\S+ \| PGPASSFILE mode 600 \| PGPASSWORD unset \| passfile \S+$/m);
      assert.match(calls, /^pg_restore argv: --no-owner --exit-on-error --dbname=redial_verify_\S+ \S+ \| PGPASSFILE mode 600 \| PGPASSWORD unset \| passfile \S+$/m);
      assert.ok(!calls.includes(password) && !calls.includes('postgres://'), `no URL or password in argv:\n${calls}`);
      const file = (backup.detail as { file: string }).file;
      for (const dir of sys.maintenance.backupTargets) {
        assert.equal(fs.statSync(dir).mode & 0o777, 0o700, `${dir} is the worker's alone`);
        assert.equal(fs.statSync(path.join(dir, file)).mode & 0o777, 0o600, `${file} in ${dir} is private`);
      }
      // the passfile is gone once the commands are done
      const passfiles = [...calls.matchAll(/passfile (\S+)$/gm)].map((m) => m[1]!);
      assert.ok(passfiles.length >= 2);
      for (const f of passfiles) assert.equal(fs.existsSync(f), false, `${f} removed`);
    } finally {
      sys.maintenance.databaseUrl = original;
    }
  });

  test("a failing backup's error is stored, shown to viewers and sent to ops without the password", async () => {
    // a role that may read Redial's tables but not a schema someone added: pg_dump fails, after the row counts worked
    const role = `backup_${uid()}`;
    await sys.sql.unsafe(`create role ${role} login password '${password}'`);
    await sys.sql.unsafe(`grant select on all tables in schema public to ${role}`);
    await sys.sql.unsafe(`create schema hidden_${role}; create table hidden_${role}.t (x int)`);
    const original = sys.maintenance.databaseUrl;
    sys.maintenance.databaseUrl = withPassword(role);
    try {
      const run = await weekly();
      const backup = run.results.find((r) => r.name === 'backup')!;
      assert.equal(backup.status, 'failed');
      assert.match(backup.summary, /pg_dump/);
      assert.match(backup.summary, /permission denied for/);
      assert.ok(pgBin.calls().includes(`PGPASSFILE mode 600`));
      // the half-written dump of the failed run is not left to count as a backup
      for (const dir of sys.maintenance.backupTargets) assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.dump.sealed')).length, 1, `${dir}: only the good dump of the test before`);
      assert.deepEqual(fs.readdirSync(sys.maintenance.backupTargets[0]!).filter((f) => f.endsWith('.clear')), [], 'no clear dump left behind');
      // everywhere the error went
      await eventually(async () => ops.received.some((a) => a.kind === 'maintenance-weekly'), 10_000, 'ops to hear of it');
      const stored = JSON.stringify(await sys.sql`select results from maintenance_runs`);
      const alerts = JSON.stringify(await sys.sql`select message, detail, delivery_error from alerts`);
      const viewer = newKey();
      await registerKey(sys.db, testKeyring(), viewer, 'viewer', 'backup test viewer');
      const shown = await (await sys.call('GET', '/v1/maintenance/runs?routine=weekly', undefined, viewer)).text();
      const sent = JSON.stringify(ops.received);
      for (const [where, text] of Object.entries({ stored, alerts, shown, sent })) {
        assert.ok(text.includes('permission denied'), `${where} holds the error`);
        assert.ok(!text.includes(password), `${where} holds the password`);
        assert.ok(!text.includes(`${role}:`), `${where} holds user:password`);
      }
    } finally {
      sys.maintenance.databaseUrl = original;
      await sys.sql.unsafe(`drop schema hidden_${role} cascade`);
      await sys.sql.unsafe(`drop owned by ${role}; drop role ${role}`);
    }
  });

  test('credentials are taken out of any text; the rest stays readable', async () => {
    const text = `Command failed: pg_dump postgres://redial:${password}@db:5432/redial?sslmode=require\nconnect password=${password} host=db PGPASSWORD=${password} TEMPORAL_API_KEY=abc`;
    const clean = redactSecrets(text);
    assert.ok(!clean.includes(password) && !clean.includes('abc'), clean);
    assert.match(clean, /postgres:\/\/\[redacted\]@db:5432\/redial\?sslmode=require/);
    assert.match(clean, /host=db/);
    // the connection for the client programs: every part in PG* variables, the password only in the passfile
    const pg = await pgClientEnv(`postgres://us%40er:${encodeURIComponent('p:w\\d')}@db.example:6543/redial?sslmode=verify-full&application_name=redial-backup`);
    try {
      assert.deepEqual(
        { host: pg.env.PGHOST, port: pg.env.PGPORT, user: pg.env.PGUSER, db: pg.env.PGDATABASE, ssl: pg.env.PGSSLMODE, app: pg.env.PGAPPNAME, pw: pg.env.PGPASSWORD },
        { host: 'db.example', port: '6543', user: 'us@er', db: 'redial', ssl: 'verify-full', app: 'redial-backup', pw: undefined },
      );
      assert.equal(fs.statSync(pg.passfile!).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.dirname(pg.passfile!)).mode & 0o777, 0o700);
      assert.equal(fs.readFileSync(pg.passfile!, 'utf8'), '*:*:*:*:p\\:w\\\\d\n');
    } finally {
      await pg.dispose();
    }
    assert.equal(fs.existsSync(pg.passfile!), false);
  });
});
