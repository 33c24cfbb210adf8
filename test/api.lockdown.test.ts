/**
 * Lockdown, the data-leak playbook, through the whole system: exports and bulk reads refused 423,
 * other keys suspended while ingestion and opt-outs go on, the ops webhook held in the outbox and
 * delivered in order after the release, dialling paused by choice at the gate, every step in the
 * audit log; and the scope report names the keys that read contacts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpsActivities } from '../activities/ops';
import { HELD_NOTE } from '../services/outbox';
import { eventually, opsWebhook, startSystem, type System } from './helpers/system';
import { afternoonZone } from './helpers/zones';

type Problem = { type: string; status: number; code: string; detail: string };

describe('lockdown', () => {
  let sys: System;
  let ops: Awaited<ReturnType<typeof opsWebhook>>;
  const keys: Record<'viewer' | 'operator', { key: string; id: string }> = {} as never;
  before(async () => {
    ops = await opsWebhook();
    sys = await startSystem({ opsWebhookUrl: ops.url });
    for (const role of ['viewer', 'operator'] as const) {
      const res = await sys.call('POST', '/v1/keys', { name: `lockdown-${role}`, role });
      assert.equal(res.status, 201);
      keys[role] = (await res.json()) as { key: string; id: string };
    }
  });
  after(async () => {
    await sys?.stop();
    await ops?.close();
  });

  const as = (role: 'viewer' | 'operator' | 'admin', method: string, path: string, body?: unknown) => sys.call(method, path, body, role === 'admin' ? sys.adminKey : keys[role].key);
  const problemOf = async (res: Response, status: number, code: string) => {
    const text = await res.text();
    assert.equal(res.status, status, text);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    const p = JSON.parse(text) as Problem;
    assert.equal(p.code, code);
    return p;
  };
  const raise = (message: string) =>
    createOpsActivities({ db: sys.db, taskQueue: sys.taskQueue, carrier: {} as never, opsWebhookUrl: ops.url }).raiseAlert({ kind: 'test', severity: 'warning', message });

  test('the playbook: engage, what it refuses and keeps, the queued webhook, the release, the audit and the scope', async () => {
    const t0 = new Date(Date.now() - 1000).toISOString();
    // before: an operator's CRM sync creates a contact; the viewer reads it, the admin exports
    const first = await as('operator', 'POST', '/v1/events', { type: 'lead.created', phone: '+14155550181', contact: { timeZone: afternoonZone(), name: 'Wang Fang' } });
    assert.equal(first.status, 202, await first.clone().text());
    const { contactId } = (await first.json()) as { contactId: string };
    assert.equal((await as('viewer', 'GET', `/v1/contacts/${contactId}`)).status, 200);
    const csv = await as('admin', 'GET', '/v1/exports/attempts.csv');
    assert.equal(csv.status, 200);
    await csv.text();
    await raise('before the lockdown');
    assert.deepEqual(ops.received.map((a) => a.message), ['before the lockdown']);

    // the switch
    const engaged = await as('admin', 'POST', '/v1/lockdown', { reason: 'laptop with an export was stolen', pauseDialling: true });
    assert.equal(engaged.status, 200);
    const state = (await engaged.json()) as { locked: boolean; engaged: boolean; lockdown: { reason: string; pauseDialling: boolean } };
    assert.equal(state.locked, true);
    assert.equal(state.engaged, true);
    assert.equal(state.lockdown.pauseDialling, true);

    // exports and bulk reads: closed to every key, admin included
    const refused = await problemOf(await as('admin', 'GET', '/v1/exports/attempts.csv'), 423, 'lockdown');
    assert.match(refused.detail, /lockdown/);
    assert.match(refused.detail, /DELETE \/v1\/lockdown/);
    await problemOf(await as('admin', 'GET', '/v1/maintenance/runs'), 423, 'lockdown');

    // other keys: suspended, with a sentence that says why and what still works
    const suspended = await problemOf(await as('viewer', 'GET', `/v1/contacts/${contactId}`), 403, 'key_suspended');
    assert.match(suspended.detail, /POST \/v1\/events/);
    await problemOf(await as('operator', 'GET', `/v1/contacts/${contactId}`), 403, 'key_suspended');
    await problemOf(await as('operator', 'POST', '/v1/contacts/import', { rows: [{ phone: '+14155550182' }] }), 403, 'key_suspended');
    await problemOf(await as('viewer', 'GET', '/v1/reports/summary'), 403, 'key_suspended');
    // …and may see that a lockdown is on, not why
    const seen = (await (await as('viewer', 'GET', '/v1/lockdown')).json()) as { locked: boolean; lockdown: { reason: string | null } };
    assert.equal(seen.locked, true);
    assert.equal(seen.lockdown.reason, null);
    // the admin keeps reading single contacts (the investigation)
    assert.equal((await as('admin', 'GET', `/v1/contacts/${contactId}`)).status, 200);

    // ingestion goes on: no customer event is lost, and an opt-out is never refused
    const during = await as('operator', 'POST', '/v1/events', { type: 'lead.created', phone: '+14155550187', contact: { timeZone: afternoonZone() } });
    assert.equal(during.status, 202, await during.clone().text());
    const held = (await during.json()) as { contactId: string; eventId: string };
    assert.equal((await as('operator', 'GET', `/v1/events/${encodeURIComponent(held.eventId)}`)).status, 200);
    assert.equal((await as('operator', 'POST', `/v1/contacts/${contactId}/opt-out`)).status, 200);

    // pauseDialling: the gate refuses the new contact's attempt with reason lockdown, and its cadence waits
    await eventually(async () => (await sys.sql`select 1 from compliance_log where contact_id = ${held.contactId} and reason = 'lockdown'`).length > 0, 30_000, 'the gate to refuse with lockdown');
    assert.equal((await sys.sql`select count(*)::int as n from attempts where contact_id = ${held.contactId}`)[0]!.n, 0);

    // the ops webhook is held: stored and queued, not sent
    const a2 = await raise('during the lockdown, first');
    const a3 = await raise('during the lockdown, second');
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(ops.received.map((a) => a.message), ['before the lockdown']);
    const waiting = await sys.sql`select id, delivered_at, delivery_error from alerts where id in (${a2}, ${a3}) order by id`;
    assert.ok(waiting.every((a) => a.delivered_at === null && a.delivery_error === HELD_NOTE), JSON.stringify(waiting));
    assert.equal(((await (await as('admin', 'GET', '/v1/lockdown')).json()) as { queuedDeliveries: number }).queuedDeliveries, 2);

    // release: the queued deliveries go out, in order; keys and exports work again
    const released = await as('admin', 'DELETE', '/v1/lockdown');
    assert.equal(released.status, 200);
    assert.equal(((await released.json()) as { locked: boolean; released: boolean }).released, true);
    await eventually(async () => ops.received.length === 3, 20_000, 'the queued alerts to be delivered');
    assert.deepEqual(ops.received.map((a) => a.message), ['before the lockdown', 'during the lockdown, first', 'during the lockdown, second']);
    // the receiver has them before the drainer records the answer: wait for the rows
    await eventually(async () => {
      const delivered = await sys.sql`select delivered_at, delivery_error from alerts where id in (${a2}, ${a3})`;
      return delivered.every((a) => a.delivered_at !== null && a.delivery_error === null);
    }, 10_000, 'the alerts marked delivered');
    assert.equal((await as('viewer', 'GET', `/v1/contacts/${contactId}`)).status, 200);
    const again = await as('admin', 'GET', '/v1/exports/attempts.csv');
    assert.equal(again.status, 200);
    await again.text();
    // a second release changes nothing
    assert.equal(((await (await as('admin', 'DELETE', '/v1/lockdown')).json()) as { released: boolean }).released, false);

    // every action audited: on, off, and the refused requests
    const audited = await sys.sql`select action, actor, after from audit_log where action like 'lockdown.%' order by id`;
    const actions = audited.map((a) => a.action as string);
    assert.equal(actions[0], 'lockdown.engage');
    assert.ok(actions.includes('lockdown.release'));
    const refusals = audited.filter((a) => a.action === 'lockdown.refused');
    assert.ok(refusals.some((r) => r.actor === keys.viewer.id && (r.after as { refusal: string }).refusal === 'key-suspended'));
    assert.ok(refusals.some((r) => (r.after as { refusal: string; request: string }).refusal === 'bulk-read' && (r.after as { request: string }).request.includes('exports')));
    assert.ok(!JSON.stringify(audited).includes('4155550181') && !JSON.stringify(audited).includes('Wang Fang'));

    // the scope: the viewer read the contact, the admin exported; ingestion is not a read
    const scopeRes = await as('admin', 'GET', `/v1/audit/exports?from=${encodeURIComponent(t0)}&to=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`);
    assert.equal(scopeRes.status, 200);
    const scope = (await scopeRes.json()) as {
      keys: Array<{ keyId: string; keyName: string; role: string; actions: string[]; contactIds: string[]; reads: number; exports: number }>;
      entries: Array<{ keyId: string; action: string; contactIds: string[] | null }>;
    };
    const viewer = scope.keys.find((k) => k.keyId === keys.viewer.id);
    assert.ok(viewer, JSON.stringify(scope.keys));
    assert.equal(viewer.keyName, 'lockdown-viewer');
    assert.equal(viewer.role, 'viewer');
    assert.deepEqual(viewer.actions, ['contact.read']);
    assert.ok(viewer.contactIds.includes(contactId));
    assert.equal(viewer.reads, 2);
    const admin = scope.keys.find((k) => k.actions.includes('export.attempts'));
    assert.ok(admin && admin.exports === 2);
    assert.ok(!scope.keys.some((k) => k.keyId === keys.operator.id), 'the operator only ingested: not a read');
  });

  test('a lockdown without pauseDialling lets calls go on', async () => {
    assert.equal((await as('admin', 'POST', '/v1/lockdown', { reason: 'suspicious export, investigating' })).status, 200);
    try {
      const res = await as('operator', 'POST', '/v1/events', { type: 'lead.created', phone: '+14155550196', contact: { timeZone: afternoonZone() } });
      assert.equal(res.status, 202);
      const { contactId } = (await res.json()) as { contactId: string };
      await eventually(async () => (await sys.sql`select 1 from attempts where contact_id = ${contactId}`).length > 0, 30_000, 'a call during a lockdown that does not pause dialling');
    } finally {
      assert.equal((await as('admin', 'DELETE', '/v1/lockdown')).status, 200);
    }
  });

  test('POST /v1/lockdown needs a reason, and only an admin pulls it', async () => {
    await problemOf(await as('admin', 'POST', '/v1/lockdown', {}), 400, 'validation_failed');
    await problemOf(await as('operator', 'POST', '/v1/lockdown', { reason: 'not mine to pull' }), 403, 'forbidden');
    assert.equal(((await (await as('admin', 'GET', '/v1/lockdown')).json()) as { locked: boolean }).locked, false);
  });
});
