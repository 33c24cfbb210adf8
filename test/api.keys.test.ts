/** API keys: shown once, hashed at rest, revocable, audited. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashKey } from '../services/keys';
import { apiKeys } from '../db/schema';
import { useApi } from './helpers/api';
import { testKeyring } from './helpers/env';

describe('/v1/keys', () => {
  const api = useApi();
  const as = (key: string, method: string, path: string, body?: unknown) =>
    api.app.request(path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

  test('a new key works at once, is stored only as a hash, and stops working when revoked', async () => {
    const res = await as(api.keys.admin, 'POST', '/v1/keys', { name: 'crm', role: 'operator' });
    assert.equal(res.status, 201);
    const created = (await res.json()) as { id: string; key: string; role: string };
    assert.equal(created.role, 'operator');
    const stored = await api.db.select().from(apiKeys);
    assert.ok(stored.every((k) => k.hash.length === 64 && !JSON.stringify(k).includes(created.key)), 'no plaintext at rest');
    assert.ok(stored.some((k) => k.hash === hashKey(testKeyring(), created.key)));
    const list = await (await as(api.keys.admin, 'GET', '/v1/keys')).text();
    assert.ok(!list.includes(created.key), 'listing never shows a key');
    assert.equal((await as(created.key, 'GET', '/v1/keys')).status, 403, 'an operator cannot manage keys');
    assert.equal((await as(api.keys.admin, 'DELETE', `/v1/keys/${created.id}`)).status, 200);
    // a fresh app has no cache: the revoked key is refused
    const refused = await api.newApp().request('/v1/lines', { headers: { authorization: `Bearer ${created.key}` } });
    assert.equal(refused.status, 401);
    const self = stored.find((k) => k.hash === hashKey(testKeyring(), api.keys.admin))!;
    assert.equal((await as(api.keys.admin, 'DELETE', `/v1/keys/${self.id}`)).status, 409, 'an admin cannot lock themselves out');
  });

  test('a key with an expiry stops working after it; key ids are random, not derived from the key', async () => {
    const res = await as(api.keys.admin, 'POST', '/v1/keys', { name: 'contractor', role: 'viewer', expiresInDays: 1 });
    assert.equal(res.status, 201);
    const created = (await res.json()) as { id: string; key: string; expiresAt: string };
    assert.ok(Date.parse(created.expiresAt) > Date.now() + 23 * 3600_000);
    assert.ok(!hashKey(testKeyring(), created.key).startsWith(created.id.replace('key_', '')), 'the id says nothing about the key');
    assert.equal((await api.newApp().request('/v1/lines', { headers: { authorization: `Bearer ${created.key}` } })).status, 200);
    await api.sql`update api_keys set expires_at = now() - interval '1 second' where id = ${created.id}`;
    assert.equal((await api.newApp().request('/v1/lines', { headers: { authorization: `Bearer ${created.key}` } })).status, 401, 'expired');
  });
});
