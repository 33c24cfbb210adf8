/**
 * PostgreSQL unreachable: the API accepts nothing and says so — 503 problem+json with code
 * service_unavailable and a Retry-After header — on every route that needs the database, whether
 * the key lookup or the route's own work is what fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { connect, type Db } from '../db/client';
import { freePort } from '../scripts/lib/ports';
import { bootstrap } from '../services/bootstrap';
import { newKey } from '../services/keys';
import { freshDatabase, temporalAddress, testKeyring } from './helpers/env';

describe('PostgreSQL down', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  const key = newKey();
  before(async () => {
    database = await freshDatabase();
    await bootstrap(database.db, { keyring: testKeyring(), adminKey: key, lines: [] });
  });
  after(async () => {
    await database?.close();
  });

  const appOn = (db: Db) =>
    createApp({ keyring: testKeyring(), db, temporal: new Client({ connection: Connection.lazy({ address: temporalAddress() }) }), taskQueue: 'unpolled', publicUrl: 'http://127.0.0.1:1', defaultRegion: 'CN', tenant: 'default', log: () => {} });
  const call = (app: ReturnType<typeof appOn>, method: string, path: string, body?: unknown) =>
    app.request(path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const assertUnavailable = async (res: Response, what: string) => {
    assert.equal(res.status, 503, `${what}: ${await res.clone().text()}`);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, `${what} says when to retry`);
    const body = (await res.json()) as { code: string; detail: string };
    assert.equal(body.code, 'service_unavailable');
  };
  const event = { type: 'lead.created', phone: '+14155559001', contact: { timeZone: 'UTC' } };

  test('nothing listens on its port: every route answers 503 with Retry-After', async () => {
    const down = connect(`postgres://redial@127.0.0.1:${await freePort()}/nothing`, { max: 1 });
    try {
      const app = appOn(down.db);
      await assertUnavailable(await call(app, 'POST', '/v1/events', event), 'POST /v1/events');
      await assertUnavailable(await call(app, 'GET', '/v1/events/some-id'), 'GET /v1/events/{id}');
      await assertUnavailable(await call(app, 'GET', '/v1/contacts/00000000-0000-4000-8000-000000000000'), 'GET /v1/contacts/{id}');
      await assertUnavailable(await call(app, 'GET', '/v1/campaigns'), 'GET /v1/campaigns');
    } finally {
      await down.close().catch(() => undefined);
    }
  });

  test('the database goes away after the key was checked: the route itself answers 503 and writes nothing', async () => {
    const scratch = connect(database.url, { max: 2 });
    const app = appOn(scratch.db);
    const ok = await call(app, 'POST', '/v1/events', event);
    assert.equal(ok.status, 202, await ok.clone().text());
    assert.equal(((await ok.json()) as { state: string }).state, 'queued');
    await scratch.close(); // its connections are gone; the key stays in the app's cache
    await assertUnavailable(await call(app, 'POST', '/v1/events', { ...event, phone: '+14155559002' }), 'POST /v1/events');
    await assertUnavailable(await call(app, 'GET', '/v1/campaigns'), 'GET /v1/campaigns');
    const rows = await database.sql`select count(*)::int as n from inbox_events`;
    assert.equal(rows[0]!.n, 1, 'only the event accepted before the outage');
  });
});
