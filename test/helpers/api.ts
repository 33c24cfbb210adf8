/**
 * The real app on a fresh PostgreSQL database, with one key per role, for API tests that call
 * `app.request()`. Temporal is reached lazily (the dev server), only by routes that need it.
 */
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { registerKey, newKey } from '../../services/keys';
import { bootstrap } from '../../services/bootstrap';
import { simulatorLines } from '../../sim/defaults';
import type { LinkProbeConfig } from '../../services/link-probe';
import { freshDatabase, temporalAddress, useHarness, testKeyring } from './env';

export type Role = 'viewer' | 'operator' | 'admin';

export async function startApi(opts: { tenant?: string; taskQueue?: string; linkProbe?: Partial<LinkProbeConfig> } = {}) {
  const database = await freshDatabase();
  const keys: Record<Role, string> = { admin: newKey(), operator: newKey(), viewer: newKey() };
  await bootstrap(database.db, { keyring: testKeyring(), adminKey: keys.admin, lines: simulatorLines });
  await registerKey(database.db, testKeyring(), keys.operator, 'operator', 'ops');
  await registerKey(database.db, testKeyring(), keys.viewer, 'viewer', 'dashboards');
  /** A new app instance (no key cache) on the same database. */
  const newApp = () =>
    createApp({ keyring: testKeyring(),
      db: database.db,
      temporal: new Client({ connection: Connection.lazy({ address: temporalAddress() }) }),
      taskQueue: opts.taskQueue ?? 'unpolled',
      publicUrl: 'http://127.0.0.1:1',
      defaultRegion: 'CN',
      tenant: opts.tenant ?? 'default',
      log: () => {},
      linkProbe: opts.linkProbe,
    });
  const app = newApp();
  /** A JSON request as `role` (null: no key). */
  const req = (role: Role | null, method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { ...(role ? { authorization: `Bearer ${keys[role]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { db: database.db, sql: database.sql, app, keys, req, newApp, close: () => database.close() };
}

export type Api = Awaited<ReturnType<typeof startApi>>;

/** The API for this test file: started before its tests, its database dropped after. */
export const useApi = (opts: Parameters<typeof startApi>[0] = {}) => useHarness(() => startApi(opts), (api) => api.close());
