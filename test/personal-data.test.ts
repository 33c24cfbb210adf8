/**
 * Personal data stays personal: Temporal (ids, search attributes, histories without the codec)
 * and PostgreSQL's line table hold no phone number, name or auth token; the codec server shows
 * clear text to operators only; payloads sealed under a retired key still open.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { generateSecrets, openText, parseKeyring, sealText } from '../services/keyring';
import { createPayloadCodec } from '../services/payload-codec';
import { hashKey, registerKey, newKey } from '../services/keys';
import { createHash } from 'node:crypto';
import { simulatorLines } from '../sim/defaults';
import { bootstrap } from '../services/bootstrap';
import { openLineToken } from '../services/lines';
import { eventually, useSystem } from './helpers/system';
import { temporalAddress, testKeyring } from './helpers/env';
import { afternoonZone } from './helpers/zones';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('keyring and payload codec', () => {
  test('a payload sealed under key 1 still opens after key 2 becomes the write key; an unknown key is named', async () => {
    const one = generateSecrets('k1');
    const two = generateSecrets('k2');
    const k1 = parseKeyring(one.REDIAL_DATA_KEYS, one.REDIAL_HASH_SECRET);
    const rotated = parseKeyring(`${two.REDIAL_DATA_KEYS},${one.REDIAL_DATA_KEYS}`, one.REDIAL_HASH_SECRET);
    const clear = defaultPayloadConverter.toPayload({ phone: '+8613812348000', name: '张伟' });
    const [sealed] = await createPayloadCodec(k1).encode([clear]);
    assert.ok(!Buffer.from(sealed!.data!).includes('13812348000'), 'ciphertext');
    assert.equal(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString(), 'k1');
    const [opened] = await createPayloadCodec(rotated).decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), { phone: '+8613812348000', name: '张伟' });
    const [resealed] = await createPayloadCodec(rotated).encode([clear]);
    assert.equal(Buffer.from(resealed!.metadata!['encryption-key-id']!).toString(), 'k2', 'new payloads use the write key');
    const onlyTwo = parseKeyring(two.REDIAL_DATA_KEYS, one.REDIAL_HASH_SECRET);
    await assert.rejects(createPayloadCodec(onlyTwo).decode([sealed!]), /key "k1", which is not in REDIAL_DATA_KEYS/);
    // a sealed column opens for its own purpose only
    const token = sealText(k1, 'secret-token', 'line-auth-token');
    assert.equal(openText(rotated, token, 'line-auth-token'), 'secret-token');
    assert.throws(() => openText(rotated, token, 'something-else'));
  });

  test('bad keys are refused with a message that names the variable and never echoes a key', () => {
    assert.throws(() => parseKeyring('k1:c2hvcnQ=', generateSecrets().REDIAL_HASH_SECRET), /REDIAL_DATA_KEYS: key "k1" must be 32 bytes/);
    assert.throws(() => parseKeyring('', generateSecrets().REDIAL_HASH_SECRET), /REDIAL_DATA_KEYS is empty/);
    assert.throws(() => parseKeyring(generateSecrets().REDIAL_DATA_KEYS, 'c2hvcnQ='), /REDIAL_HASH_SECRET must be at least 32 bytes/);
  });
});

describe('personal data in Temporal and PostgreSQL', () => {
  const sys = useSystem();
  const phone = '+8613812348017';
  const name = 'Zhang Wei-Personal';

  test('workflow ids, search attributes and raw histories hold no number or name; the line table holds no token', async () => {
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { name, timeZone: 'UTC' } });
    assert.equal(res.status, 202);
    const { workflowId } = (await res.json()) as { workflowId: string };
    assert.ok(!workflowId.includes('13812348017'), `the workflow id reveals nothing: ${workflowId}`);
    assert.match(workflowId, new RegExp(`^cadence:${sys.tenant}:[0-9a-f]{32}$`));
    await eventually(async () => (await sys.temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING', 20_000, 'the cadence');

    // a client without the codec sees what the server stores
    const connection = await Connection.connect({ address: temporalAddress() });
    try {
      const raw = new Client({ connection });
      const seen: string[] = [];
      for await (const w of raw.workflow.list({ query: `TaskQueue="${sys.taskQueue}"` })) {
        seen.push(w.workflowId, JSON.stringify(w.searchAttributes), JSON.stringify(w.memo ?? {}));
        const history = await raw.workflow.getHandle(w.workflowId).fetchHistory();
        seen.push(Buffer.from(JSON.stringify(history)).toString());
        for (const e of history.events ?? []) for (const p of [...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []), ...(e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [])]) seen.push(Buffer.from(p.data ?? []).toString('latin1'));
      }
      const blob = seen.join('\n');
      assert.ok(blob.includes(workflowId), 'the cadence is listed');
      for (const secret of ['13812348017', '8613812348017', name, 'Zhang Wei']) assert.ok(!blob.includes(secret), `Temporal holds "${secret}" in clear`);
      // and the same history decodes to the real values through the codec server, for an operator
      const history = await raw.workflow.getHandle(workflowId).fetchHistory();
      const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(started.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(started.data!) }] };
      const operator = newKey();
      const viewer = newKey();
      await registerKey(sys.db, testKeyring(), operator, 'operator', 'ops');
      await registerKey(sys.db, testKeyring(), viewer, 'viewer', 'dashboards');
      const decode = (key: string | null, path = '/codec/decode') =>
        fetch(`${sys.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
      const ok = await decode(operator);
      assert.equal(ok.status, 200);
      const decoded = (await ok.json()) as { payloads: Array<{ data: string }> };
      assert.ok(Buffer.from(decoded.payloads[0]!.data, 'base64').toString().includes(phone), 'the operator reads the number');
      assert.equal((await decode(viewer)).status, 403, 'a viewer key is refused');
      assert.equal((await decode(null)).status, 401, 'no key is refused');
      assert.equal((await decode(null, `/codec/key/${operator}/decode`)).status, 200, 'the key in the path (the Web UI form)');
      assert.equal((await decode(null, `/codec/key/${viewer}/decode`)).status, 403);
    } finally {
      await connection.close();
    }

    const lines = await sys.sql`select * from lines`;
    const table = JSON.stringify(lines);
    for (const l of simulatorLines) assert.ok(!table.includes(l.authToken), `line ${l.id}'s token is in clear`);
    assert.ok(lines.every((l) => String(l.auth_token).startsWith('sealed:v1:')));
    const keys = JSON.stringify(await sys.sql`select * from api_keys`);
    assert.ok(!keys.includes(sys.adminKey), 'no key in clear');
  });

  test('an operator finds a cadence from the number through the API (audited); a viewer cannot', async () => {
    const operator = newKey();
    const viewer = newKey();
    await registerKey(sys.db, testKeyring(), operator, 'operator', 'ops-lookup');
    await registerKey(sys.db, testKeyring(), viewer, 'viewer', 'dash-lookup');
    const res = await sys.call('GET', `/v1/contacts/lookup?phone=${encodeURIComponent('+86 138 1234 8017')}`, undefined, operator);
    assert.equal(res.status, 200);
    const found = (await res.json()) as { contactId: string; workflowId: string };
    const detail = (await (await sys.call('GET', `/v1/contacts/${found.contactId}`)).json()) as { phone: string; workflowId: string };
    assert.equal(detail.phone, phone);
    assert.equal(detail.workflowId, found.workflowId, 'the contact links to its workflow');
    assert.equal((await sys.call('GET', `/v1/contacts/lookup?phone=${encodeURIComponent(phone)}`, undefined, viewer)).status, 403);
    const missing = await sys.call('GET', '/v1/contacts/lookup?phone=%2B8613900000000', undefined, operator);
    assert.equal(missing.status, 404);
    assert.ok(!(await missing.text()).includes('13900000000'), 'the problem names no number');
    const audited = await sys.sql`select action, target from audit_log where action = 'contact.lookup'`;
    assert.ok(audited.some((a) => a.target === found.contactId), 'the lookup is audited with the contact it found');
  });

  test('a key stored under the old unkeyed SHA-256 hash still signs in, and is then stored keyed', async () => {
    const key = newKey();
    const legacy = createHash('sha256').update(key).digest('hex');
    await sys.sql`insert into api_keys (id, name, role, hash) values ('key_legacy0001', 'legacy', 'viewer', ${legacy})`;
    assert.equal((await sys.call('GET', '/v1/campaigns', undefined, key)).status, 200);
    const [row] = await sys.sql`select hash from api_keys where id = 'key_legacy0001'`;
    assert.notEqual(row!.hash, legacy, 'rehashed');
    assert.equal(row!.hash, hashKey(testKeyring(), key));
  });

  test('a line token rotates through PATCH (sealed, never echoed or audited) and through REDIAL_LINES at the next start', async () => {
    const res = await sys.call('PATCH', '/v1/lines/sim-backup', { authToken: 'rotated-token-0001' });
    assert.equal(res.status, 200);
    assert.ok(!(await res.text()).includes('rotated-token-0001'));
    const [row] = await sys.sql`select auth_token from lines where id = 'sim-backup'`;
    assert.equal(openLineToken(testKeyring(), row!.auth_token as string), 'rotated-token-0001');
    assert.ok(!JSON.stringify(await sys.sql`select * from audit_log`).includes('rotated-token-0001'), 'the audit log says rotated, not the token');
    // a start with REDIAL_LINES naming the line applies the configured token again
    await bootstrap(sys.db, { keyring: testKeyring(), lines: simulatorLines });
    const [again] = await sys.sql`select auth_token from lines where id = 'sim-backup'`;
    assert.equal(openLineToken(testKeyring(), again!.auth_token as string), simulatorLines.find((l) => l.id === 'sim-backup')!.authToken);
  });

  test('the carrier still gets through with sealed tokens, and its webhooks still verify', async () => {
    const callee = '+14155550187';
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone: callee, contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202);
    await eventually(async () => [...sys.sim.calls.values()].find((c) => c.to === callee && c.status === 'completed'), 30_000, 'a completed call');
    await eventually(async () => (await sys.sql`select a.status from attempts a join contacts c on c.id = a.contact_id where c.phone = ${callee} and a.status = 'completed'`).length > 0, 20_000, 'the callback to verify and land');
  });
});
