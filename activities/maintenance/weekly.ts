/** The weekly routine's checks: backup (restored and compared, then pruned), permission audit, strategy review. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { heartbeat } from '@temporalio/activity';
import { and, eq, gte, isNull } from 'drizzle-orm';
import postgres from 'postgres';
import { callCounts, rates } from '../../db/queries/reports';
import { realTraffic } from '../../db/queries/traffic';
import { apiKeys, attempts } from '../../db/schema';
import { attention, ok, skipped, type CheckResult } from '../../domain/maintenance';
import { redactSecrets } from '../../domain/secrets';
import type { MaintenanceDeps } from './deps';
import { pgBin, pgClientEnv } from './pg-client';
import { DAY } from './shared';
import { openFile, sealFile } from '../../services/keyring';

/** What a sealed backup is bound to (services/keyring.ts sealFile). */
export const BACKUP_PURPOSE = 'database-backup';

const run = promisify(execFile);

/**
 * Dumps hold every contact: a backup folder is the worker's alone (0700) and each dump is 0600.
 * A folder we cannot tighten (a mount owned by someone else) is reported, not silently used.
 */
async function privateDir(dir: string): Promise<string | null> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return chmod(dir, 0o700).then(
    () => null,
    (err: NodeJS.ErrnoException) => `${dir}: cannot make it private (${err.code ?? err.message})`,
  );
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
export async function backupDatabase(deps: MaintenanceDeps): Promise<CheckResult> {
  try {
    return await backup(deps);
  } catch (err) {
    // "Command failed: pg_dump …" and libpq's messages end up in maintenance_runs (viewers read
    // it), in the alert and at the ops webhook: never with a connection string or password
    throw new Error(redactSecrets((err as Error).message ?? String(err)).slice(0, 2000));
  }
}

async function backup(deps: MaintenanceDeps): Promise<CheckResult> {
  const { config: cfg } = deps;
  if (!cfg.backupTargets.length) return skipped('backup', 'no backup target configured (REDIAL_BACKUP_DIRS)');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  // sealed under the keyring's write key: a copy that leaks holds no number, name or token
  const file = `redial-${stamp}.dump.sealed`;
  const [first, ...others] = cfg.backupTargets as [string, ...string[]];
  const warnings = (await Promise.all(cfg.backupTargets.map(privateDir))).filter((w): w is string => w !== null);
  const local = path.join(first, file);
  // the clear dump lives only while it is sealed and restored, 0600 in the 0700 target folder
  const clear = path.join(first, `.${file}.clear`);
  const source = postgres(cfg.databaseUrl, { max: 1, onnotice: () => {} });
  const scratchName = `redial_verify_${stamp.replace(/-/g, '_').toLowerCase()}`;
  // the connection for pg_dump / pg_restore in PG* variables and a 0600 passfile, never in argv
  const pg = await pgClientEnv(cfg.databaseUrl);
  let written = false;
  try {
    const before = await tableCounts(source);
    // created 0600 before pg_dump writes into it, so the dump is never readable by others
    await writeFile(clear, '', { mode: 0o600, flag: 'wx' });
    await run(await pgBin('pg_dump', cfg.pgBinDir), ['--format=custom', '--no-owner', `--file=${clear}`], { env: pg.env, maxBuffer: 16 << 20 });
    await chmod(clear, 0o600);
    await sealFile(deps.keyring, clear, local, BACKUP_PURPOSE);
    await rm(clear, { force: true });
    heartbeat();
    const after = await tableCounts(source);
    const digest = createHash('sha256').update(await readFile(local)).digest('hex');
    const copies: Array<{ target: string; sha256Matches: boolean }> = [];
    for (const dir of others) {
      const copy = path.join(dir, file);
      await copyFile(local, copy);
      await chmod(copy, 0o600);
      copies.push({ target: dir, sha256Matches: createHash('sha256').update(await readFile(copy)).digest('hex') === digest });
    }
    await source.unsafe(`create database "${scratchName}"`);
    // the restore check opens the sealed file, as a restore after a disaster would
    await openFile(deps.keyring, local, clear, BACKUP_PURPOSE);
    await run(await pgBin('pg_restore', cfg.pgBinDir), ['--no-owner', '--exit-on-error', `--dbname=${scratchName}`, clear], { env: pg.env, maxBuffer: 16 << 20 }).finally(() => rm(clear, { force: true }));
    heartbeat();
    const scratchUrl = new URL(cfg.databaseUrl);
    scratchUrl.pathname = `/${scratchName}`;
    const scratch = postgres(scratchUrl.toString(), { max: 1, onnotice: () => {} });
    const restored = await tableCounts(scratch).finally(() => scratch.end({ timeout: 5 }));
    // a table that changed while the dump ran can differ; one that did not must match exactly
    const mismatched = Object.keys(before).filter((t) => before[t] === after[t] && restored[t] !== before[t]);
    written = true;
    const pruned = await prune(cfg.backupTargets, cfg.backupKeep);
    const detail = { file, bytes: (await stat(local)).size, sha256: digest, targets: cfg.backupTargets, copies, tables: Object.keys(restored).length, rows: restored, mismatched, pruned, warnings };
    const bad = mismatched.length > 0 || copies.some((c) => !c.sha256Matches) || Object.keys(restored).length !== Object.keys(before).length;
    if (bad) {
      await deps.raiseAlert({ kind: 'backup', severity: 'critical', message: `Backup ${file} did not verify`, detail });
      return attention('backup', `backup ${file} did not verify`, detail);
    }
    if (warnings.length) return attention('backup', `${file} verified, but ${warnings.join('; ')}`, detail);
    return ok('backup', `${file} (${detail.bytes} bytes) in ${cfg.backupTargets.length} target(s), restored and compared: ${detail.tables} tables match`, detail);
  } finally {
    await rm(clear, { force: true });
    // a dump that failed half-way is no backup: it must not count toward the ones kept
    if (!written) for (const dir of cfg.backupTargets) await rm(path.join(dir, file), { force: true });
    await pg.dispose();
    await source.unsafe(`drop database if exists "${scratchName}"`).catch(() => undefined);
    await source.end({ timeout: 5 });
  }
}

async function prune(targets: string[], keep: number) {
  let n = 0;
  for (const dir of targets) {
    const dumps = (await readdir(dir)).filter((f) => /^redial-.*\.dump(\.sealed)?$/.test(f)).sort();
    for (const f of dumps.slice(0, Math.max(0, dumps.length - keep))) {
      await rm(path.join(dir, f));
      n++;
    }
  }
  return n;
}

/** Who holds admin, and keys unused for 30 days (candidates for revocation). */
export async function permissionAudit(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const keys = await db.select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, createdAt: apiKeys.createdAt, lastUsedAt: apiKeys.lastUsedAt }).from(apiKeys).where(isNull(apiKeys.revokedAt));
  const cutoff = Date.now() - 30 * DAY;
  const admins = keys.filter((k) => k.role === 'admin').map((k) => ({ id: k.id, name: k.name, lastUsedAt: k.lastUsedAt?.toISOString() ?? null }));
  const unused = keys.filter((k) => (k.lastUsedAt ?? k.createdAt).getTime() < cutoff).map((k) => ({ id: k.id, name: k.name, role: k.role, lastUsedAt: k.lastUsedAt?.toISOString() ?? null }));
  const detail = { admins, unusedFor30Days: unused, activeKeys: keys.length };
  return unused.length ? attention('permission-audit', `${admins.length} admin key(s); ${unused.length} key(s) unused for 30 days`, detail) : ok('permission-audit', `${admins.length} admin key(s); every key used in the last 30 days`, detail);
}

/** Each campaign's strategy versions over the last week, side by side; a version that does worse than the one before is flagged. */
export async function strategyReview(deps: MaintenanceDeps): Promise<CheckResult> {
  const { db } = deps;
  const since = new Date(Date.now() - 7 * DAY);
  const rows = await db
    .select({ campaignId: attempts.campaignId, version: attempts.strategyVersion, ...callCounts })
    .from(attempts)
    .where(and(eq(attempts.channel, 'call'), gte(attempts.reservedAt, since), realTraffic()))
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
