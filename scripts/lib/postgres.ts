import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { run } from './exec';

/**
 * An embedded PostgreSQL server from the machine's own binaries, with its data in a folder we own.
 * initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user.
 */
export interface EmbeddedPostgres {
  url: string;
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
  /**
   * Stops the server and starts it again on the same data and port. 'immediate' is a crash as
   * far as clients are concerned (connections cut, recovery from the WAL at start); 'fast' a clean stop.
   */
  restart(mode?: 'immediate' | 'fast', downMs?: number): Promise<void>;
}

async function binDir(): Promise<string> {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  try {
    return (await run('pg_config', ['--bindir'])).stdout.trim();
  } catch {
    const base = '/usr/lib/postgresql';
    const versions = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
    if (versions[0]) return path.join(base, versions[0], 'bin');
    throw new Error('PostgreSQL binaries not found: install PostgreSQL (pg_config on PATH) or set DATABASE_URL');
  }
}

const isRoot = () => process.getuid?.() === 0;

function asOwner(bin: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function chownTree(dir: string) {
  if (!isRoot()) return;
  const { uid, gid } = postgresUser();
  const walk = (p: string) => {
    fs.chownSync(p, uid, gid);
    if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
}

function postgresUser(): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs a `postgres` system user to own the embedded database');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  /** Tests trade durability for speed. */
  fast?: boolean;
  log?: (m: string) => void;
}): Promise<EmbeddedPostgres> {
  const log = opts.log ?? console.log;
  const bin = await binDir();
  const pgdata = path.join(opts.dataDir, 'data');
  fs.mkdirSync(opts.dataDir, { recursive: true });
  if (isRoot()) {
    // the postgres user must be able to reach the data folder
    fs.chmodSync(opts.dataDir, 0o755);
    chownTree(opts.dataDir);
  }
  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    log(`initialising PostgreSQL in ${pgdata}`);
    fs.rmSync(pgdata, { recursive: true, force: true });
    const [cmd, args] = asOwner(path.join(bin, 'initdb'), ['-D', pgdata, '-U', 'redial', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    await run(cmd, args);
  }
  const settings = [
    `-p ${opts.port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=${opts.dataDir}`,
    `-c max_connections=200`,
    ...(opts.fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  const logFile = path.join(opts.dataDir, 'postgres.log');
  const pgCtl = path.join(bin, 'pg_ctl');
  // a server left running by a killed earlier run is stopped first, so the port and settings are ours
  const [sCmd, sArgs] = asOwner(pgCtl, ['-D', pgdata, 'status']);
  if (await run(sCmd, sArgs).then(() => true, () => false)) {
    const [kCmd, kArgs] = asOwner(pgCtl, ['-D', pgdata, '-m', 'fast', '-w', 'stop']);
    await run(kCmd, kArgs).catch(() => undefined);
  }
  const startServer = async () => {
    const [cmd, args] = asOwner(pgCtl, ['-D', pgdata, '-o', settings, '-l', logFile, '-w', '-t', '60', 'start']);
    try {
      await run(cmd, args);
    } catch (err) {
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`${(err as Error).message}\n${tail}`);
    }
  };
  await startServer();
  const adminUrl = `postgres://redial@127.0.0.1:${opts.port}/postgres`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${opts.database}`;
    if (rows.length === 0) await admin.unsafe(`create database "${opts.database}"`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    port: opts.port,
    adminUrl,
    url: `postgres://redial@127.0.0.1:${opts.port}/${opts.database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      const [c, a] = asOwner(pgCtl, ['-D', pgdata, '-m', 'fast', '-w', '-t', '30', 'stop']);
      const clean = await run(c, a).then(
        () => true,
        (e: Error) => (log(`postgres stop: ${e.message}; stopping it immediately`), false),
      );
      if (clean) return;
      const [ci, ai] = asOwner(pgCtl, ['-D', pgdata, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      await run(ci, ai).catch((e: Error) => log(`postgres stop: ${e.message}`));
    },
    async restart(mode = 'immediate', downMs = 0) {
      const [c, a] = asOwner(pgCtl, ['-D', pgdata, '-m', mode, '-w', 'stop']);
      await run(c, a);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await startServer();
    },
  };
}
