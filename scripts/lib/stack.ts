/**
 * The embedded stack: PostgreSQL, the Temporal dev server and (optionally) the carrier simulator,
 * each started only when not configured from outside. Shared by `npm start` and `npm test`.
 */
import path from 'node:path';
import { startPostgres } from './postgres';
import { startTemporalDevServer } from './temporal';
import { root } from './tools';

export interface Stack {
  databaseUrl: string;
  /** Superuser URL of the embedded server (tests create databases with it); undefined for external ones. */
  adminUrl?: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  /** The embedded Temporal server's SQLite file, when it keeps one. */
  temporalDbFile?: string;
  stop(): Promise<void>;
}

export async function startStack(opts: {
  dataDir: string;
  pgPort: number;
  temporalPort: number;
  temporalUiPort: number;
  /** Persist Temporal's state in a SQLite file (npm start) or keep it in memory (tests). */
  persistTemporal: boolean;
  fast?: boolean;
  log?: (m: string) => void;
}): Promise<Stack> {
  const log = opts.log ?? console.log;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e: Error) => log(`stop: ${e.message}`));
    stops.length = 0;
  };
  try {
    let databaseUrl = process.env.DATABASE_URL;
    let adminUrl: string | undefined;
    if (!databaseUrl) {
      const pg = await startPostgres({ dataDir: path.join(opts.dataDir, 'pg'), port: opts.pgPort, database: 'redial', fast: opts.fast, log });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      adminUrl = pg.adminUrl;
    }
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let temporalUiUrl: string | undefined;
    let temporalDbFile: string | undefined;
    if (!temporalAddress) {
      temporalDbFile = opts.persistTemporal ? path.join(opts.dataDir, 'temporal.db') : undefined;
      const t = await startTemporalDevServer({
        port: opts.temporalPort,
        uiPort: opts.temporalUiPort,
        dbFilename: temporalDbFile,
        retryOnFreshPorts: true,
        log,
      });
      stops.push(t.stop);
      temporalAddress = t.address;
      temporalUiUrl = t.uiUrl;
    }
    return { databaseUrl, adminUrl, temporalAddress, temporalUiUrl, temporalDbFile, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export const defaultDataDir = path.join(root, '.redial');
