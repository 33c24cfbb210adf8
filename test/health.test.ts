/** /healthz tells the truth about its dependencies: 200 when both answer, 503 when either is down. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { connect } from '../db/client';
import { freePort } from '../scripts/lib/ports';
import { freshDatabase, temporalAddress, testKeyring } from './helpers/env';

describe('GET /healthz', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let up: Connection;
  before(async () => {
    database = await freshDatabase();
    up = await Connection.connect({ address: temporalAddress() });
  });
  after(async () => {
    await up?.close();
    await database?.close();
  });

  const appWith = (db: ReturnType<typeof connect>['db'], connection: Connection) =>
    createApp({ keyring: testKeyring(), db, temporal: new Client({ connection }), taskQueue: 'unused', publicUrl: 'http://127.0.0.1:1', defaultRegion: 'CN', tenant: 'default', log: () => {} });

  test('200 when PostgreSQL and Temporal both answer', async () => {
    const res = await appWith(database.db, up).request('/healthz');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string };
    assert.equal(body.status, 'ok');
  });

  test('503 naming PostgreSQL when the database is down', async () => {
    const down = connect(`postgres://redial@127.0.0.1:${await freePort()}/nothing`, { max: 1 });
    try {
      const res = await appWith(down.db, up).request('/healthz');
      assert.equal(res.status, 503);
      const body = (await res.json()) as { status: string; postgres: { ok: boolean; error?: string }; temporal: { ok: boolean } };
      assert.equal(body.status, 'degraded');
      assert.equal(body.postgres.ok, false);
      assert.ok(body.postgres.error);
      assert.equal(body.temporal.ok, true);
    } finally {
      await down.close().catch(() => undefined);
    }
  });

  test('503 naming Temporal when the server is down', async () => {
    const lazy = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
    const res = await appWith(database.db, lazy).request('/healthz');
    assert.equal(res.status, 503);
    const body = (await res.json()) as { postgres: { ok: boolean }; temporal: { ok: boolean } };
    assert.equal(body.postgres.ok, true);
    assert.equal(body.temporal.ok, false);
  });
});
