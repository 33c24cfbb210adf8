/**
 * Running PostgreSQL's own clients (pg_dump, pg_restore) without putting the password where
 * others read it: a command line is visible to every user of the machine (`ps`, /proc/<pid>/cmdline),
 * so the connection goes in PG* environment variables and the password in a passfile that only
 * we can read (0600, in a 0700 folder of its own), removed when the command is done.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A PostgreSQL client binary: from `binDir`, else `pg_config --bindir`, else PATH. */
export async function pgBin(name: string, binDir?: string): Promise<string> {
  const dir = binDir ?? (await run('pg_config', ['--bindir']).then((r) => r.stdout.trim()).catch(() => ''));
  return dir ? path.join(dir, name) : name;
}

/** libpq's URL query parameters that have an environment variable of their own. */
const QUERY_ENV: Record<string, string> = {
  host: 'PGHOST',
  port: 'PGPORT',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslcrl: 'PGSSLCRL',
  options: 'PGOPTIONS',
  application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
};

/** A passfile field: `:` and `\` are escaped (PostgreSQL's .pgpass format). */
const passfileField = (s: string) => s.replace(/[\\:]/g, (c) => `\\${c}`);

export interface PgClientEnv {
  /** The environment to run pg_dump / pg_restore with (the parent's, plus the connection). */
  env: NodeJS.ProcessEnv;
  /** The passfile, while it exists (tests check its mode). */
  passfile?: string;
  /** Removes the passfile; call it when the commands are done. */
  dispose(): Promise<void>;
}

/**
 * The connection of `databaseUrl` as PG* variables and a passfile: nothing of it needs to be on
 * the command line (pass `--dbname=<name>` to pick another database on the same server).
 */
export async function pgClientEnv(databaseUrl: string): Promise<PgClientEnv> {
  const u = new URL(databaseUrl);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // an inherited password or service file must not decide whose credentials are used
  delete env.PGPASSWORD;
  delete env.PGSERVICE;
  if (u.hostname) env.PGHOST = decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1');
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database) env.PGDATABASE = database;
  for (const [k, v] of u.searchParams) if (QUERY_ENV[k]) env[QUERY_ENV[k]] = v;
  if (!u.password) return { env, dispose: async () => {} };
  const dir = await mkdtemp(path.join(tmpdir(), 'redial-pgpass-')); // 0700
  const passfile = path.join(dir, 'pgpass');
  await writeFile(passfile, `*:*:*:*:${passfileField(decodeURIComponent(u.password))}\n`, { mode: 0o600 });
  env.PGPASSFILE = passfile;
  return { env, passfile, dispose: () => rm(dir, { recursive: true, force: true }) };
}
