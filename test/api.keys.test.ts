/** API keys: shown once, hashed at rest, revocable, audited. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { hashKey, newKey } from '../api/auth';
import { bootstrap } from '../api/bootstrap';
import { apiKeys } from '../db/schema';
import { simulatorLines } from '../sim/defaults';
import { freshDatabase, temporalAddress } from './helpers/env';

describe('/v1/keys', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let app: ReturnType<typeof createApp>;
  const admin = newKey();
  before(async () => {
    database = await freshDatabase();
    await bootstrap(database.db, { adminKey: admin, lines: simulatorLines });
    app = createApp({ db: database.db, temporal: new Client({ connection: Connection.lazy({ address: temporalAddress() }) }), taskQueue: 't', publicUrl: 'http://127.0.0.1:1', defaultRegion: 'CN', tenant: 'default', log: () => {} });
  });
  after(async () => {
    await database?.close();
  });
  const as = (key: string, method: string, path: string, body?: unknown) =>
    app.request(path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  test('a new key works at once, is stored only as a hash, and stops working when revoked', async () => {
    const res = await as(admin, 'POST', '/v1/keys', { name: 'crm', role: 'operator' });
    assert.equal(res.status, 201);
    const created = (await res.json()) as { id: string; key: string; role: string };
    assert.equal(created.role, 'operator');
    const stored = await database.db.select().from(apiKeys);
    assert.ok(stored.every((k) => k.hash.length === 64 && !JSON.stringify(k).includes(created.key)), 'no plaintext at rest');
    assert.ok(stored.some((k) => k.hash === hashKey(created.key)));
    const list = await (await as(admin, 'GET', '/v1/keys')).text();
    assert.ok(!list.includes(created.key), 'listing never shows a key');
    assert.equal((await as(created.key, 'GET', '/v1/keys')).status, 403, 'an operator cannot manage keys');
    assert.equal((await as(admin, 'DELETE', `/v1/keys/${created.id}`)).status, 200);
    // a fresh app has no cache: the revoked key is refused
    const fresh = createApp({ db: database.db, temporal: new Client({ connection: Connection.lazy({ address: temporalAddress() }) }), taskQueue: 't', publicUrl: 'http://127.0.0.1:1', defaultRegion: 'CN', tenant: 'default', log: () => {} });
    const refused = await fresh.request('/v1/lines', { headers: { authorization: `Bearer ${created.key}` } });
    assert.equal(refused.status, 401);
    const self = stored.find((k) => k.hash === hashKey(admin))!;
    assert.equal((await as(admin, 'DELETE', `/v1/keys/${self.id}`)).status, 409, 'an admin cannot lock themselves out');
  });
});
