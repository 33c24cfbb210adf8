/**
 * The event inbox on the real system: POST /v1/events stores the event with its contact and
 * answers 202; the dispatcher hands it to the cadence. The same id is one event; a contact's events
 * reach its cadence in the order they were accepted, even with two dispatchers racing; an event
 * whose campaign was cancelled before delivery fails with the reason; GET /v1/events/{id} shows each.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import type { CadenceEvent } from '../domain/cadence-state';
import { startInboxDispatcher, type InboxDispatcher } from '../services/inbox';
import { newKey, registerKey } from '../services/keys';
import { uid, testKeyring } from './helpers/env';
import { eventually, useSystem } from './helpers/system';
import { zoneAt } from './helpers/zones';
import { createPayloadCodec } from '../services/payload-codec';
import { workflowIdOf } from '../services/cadences';

type Accepted = { eventId: string; contactId: string; campaignId: string; workflowId: string; strategyVersion: number; state: string };
type Status = Accepted & { type: string; attempts: number; lastError: string | null; createdAt: string; deliveredAt: string | null; nextAttemptAt: string | null };

describe('event inbox', () => {
  const sys = useSystem();
  // contacts in their night: cadences sleep, no call is placed, only delivery is under test
  const night = zoneAt(23);
  const post = async (body: Record<string, unknown>) => {
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', contact: { timeZone: night }, ...body });
    assert.equal(res.status, 202, await res.clone().text());
    return (await res.json()) as Accepted;
  };
  const status = async (id: string) => {
    const res = await sys.call('GET', `/v1/events/${encodeURIComponent(id)}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Status;
  };
  const delivered = (id: string) => eventually(async () => ((await status(id)).state === 'delivered' ? status(id) : null), 20_000, `event ${id} to be delivered`);
  /** Dispatchers of this test (the system's own is stopped first, so nothing is delivered before they start). */
  const ownDispatchers = async (n: number, batchSize: number) => {
    await sys.inbox.stop();
    return () => Promise.all(Array.from({ length: n }, () => startInboxDispatcher({ keyring: testKeyring(), db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, log: (m, e) => sys.errors.push([m, e]) }, { batchSize })));
  };
  const stopAll = (ds: InboxDispatcher[]) => Promise.all(ds.map((d) => d.stop()));

  /**
   * The event ids the cadence received, in the order its history holds them, once it holds at
   * least `n` (a signal that arrives while a workflow task runs is written to history after it).
   */
  const receivedIds = (workflowId: string, n: number) =>
    eventually(async () => {
      const history = await sys.temporal.workflow.getHandle(workflowId).fetchHistory();
      const ids = (history.events ?? [])
        .map((e) => e.workflowExecutionSignaledEventAttributes)
        .filter((a) => a?.signalName === 'event')
        .map((a) => a!.input!.payloads![0]!);
      // histories hold ciphertext: decode as the Web UI's codec server does
      const decoded = await createPayloadCodec(testKeyring()).decode(ids as never);
      return decoded.length >= n ? decoded.map((p) => defaultPayloadConverter.fromPayload<CadenceEvent>(p).id) : null;
    }, 20_000, `${n} events in the history of the cadence`);

  test('the same id is accepted once: one row, one delivery, and the repeat answers its state', async () => {
    const id = `crm-${uid()}`;
    const first = await post({ id, phone: '+14155557101' });
    assert.equal(first.eventId, id);
    assert.ok(['queued', 'delivered'].includes(first.state), first.state);
    assert.equal(first.workflowId, workflowIdOf(testKeyring(), { tenant: sys.tenant, phone: '+14155557101' }));
    assert.equal(first.campaignId, 'default');
    assert.equal(first.strategyVersion, 1);
    const again = await post({ id, phone: '+14155557101' });
    assert.deepEqual({ ...again, state: 'x' }, { ...first, state: 'x' }, 'the same event');

    const done = await delivered(id);
    assert.equal(done.attempts, 1);
    const repeat = await post({ id, phone: '+14155557101' });
    assert.equal(repeat.state, 'delivered', 'a repeat after delivery says so');
    const rows = await sys.sql`select count(*)::int as n from inbox_events where event_id = ${id}`;
    assert.equal(rows[0]!.n, 1);
    assert.deepEqual(await receivedIds(first.workflowId, 1), [id], 'the cadence got it once');
  });

  test('GET /v1/events/{id}: state, attempts, timestamps, ids; viewers may read; 404 for an unknown id', async () => {
    const id = `crm-${uid()}`;
    const accepted = await post({ id, phone: '+14155557102', type: 'cart.abandoned' });
    const done = await delivered(id);
    assert.equal(done.eventId, id);
    assert.equal(done.type, 'cart.abandoned');
    assert.equal(done.contactId, accepted.contactId);
    assert.equal(done.workflowId, accepted.workflowId);
    assert.equal(done.attempts, 1);
    assert.equal(done.lastError, null);
    assert.equal(done.nextAttemptAt, null);
    assert.ok(Date.parse(done.deliveredAt!) >= Date.parse(done.createdAt));

    const viewer = newKey();
    await registerKey(sys.db, testKeyring(), viewer, 'viewer', 'dashboards');
    assert.equal((await sys.call('GET', `/v1/events/${id}`, undefined, viewer)).status, 200);
    assert.equal((await sys.call('POST', '/v1/events', { type: 'lead.created', phone: '+14155557103' }, viewer)).status, 403);

    const missing = await sys.call('GET', '/v1/events/never-sent');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await missing.json()) as { code: string }).code, 'not_found');
  });

  test('validation is unchanged: unknown campaign 404, invalid phone 422, nothing queued', async () => {
    const before = (await sys.sql`select count(*)::int as n from inbox_events`)[0]!.n as number;
    const unknown = await sys.call('POST', '/v1/events', { type: 'lead.created', phone: '+14155557104', campaignId: 'no-such-campaign' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'unknown_campaign');
    const bad = await sys.call('POST', '/v1/events', { type: 'lead.created', phone: '+1415' });
    assert.equal(bad.status, 422);
    assert.equal(((await bad.json()) as { code: string }).code, 'invalid_phone');
    assert.equal((await sys.sql`select count(*)::int as n from inbox_events`)[0]!.n, before);
  });

  test("a contact's events reach its cadence in the order accepted, with two dispatchers racing", async () => {
    const start = await ownDispatchers(2, 3);
    const phones = ['+14155557111', '+14155557121', '+14155557131', '+14155557141'];
    const sent = new Map<string, string[]>(phones.map((p) => [p, []]));
    const types = ['lead.created', 'cart.abandoned', 'payment.due', 'coupon.issued', 'order.paid'];
    const run = uid();
    // round-robin over the contacts, so each batch mixes them and every contact has a queue
    for (let i = 0; i < types.length; i++) {
      for (const phone of phones) {
        const a = await post({ id: `ord-${run}-${phone.slice(-3)}-${i}`, phone, type: types[i] });
        assert.equal(a.state, 'queued', 'no dispatcher runs yet');
        sent.get(phone)!.push(a.eventId);
      }
    }
    const dispatchers = await start();
    try {
      const all = [...sent.values()].flat();
      await eventually(async () => (await sys.sql`select count(*)::int as n from inbox_events where event_id = any(${all}) and state = 'delivered'`)[0]!.n === all.length, 30_000, 'every event to be delivered');
      for (const phone of phones) {
        const ids = sent.get(phone)!;
        assert.deepEqual(await receivedIds(workflowIdOf(testKeyring(), { tenant: sys.tenant, phone }), ids.length), ids, `the cadence of …${phone.slice(-3)} got its events in order`);
        const rows = await sys.sql`select event_id, delivered_at from inbox_events where event_id = any(${ids}) order by seq`;
        assert.deepEqual(rows.map((r) => r.event_id), ids, 'sequence follows acceptance');
        for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.delivered_at > rows[i - 1]!.delivered_at, 'each delivered after the one before');
      }
    } finally {
      await stopAll(dispatchers);
    }
  });

  test('an event whose campaign is cancelled before delivery fails with the reason; later events go on', async () => {
    const campaign = `inbox-${uid()}`;
    assert.equal((await sys.call('POST', '/v1/campaigns', { id: campaign, name: 'Inbox' })).status, 201);
    const start = await ownDispatchers(1, 64);
    const doomed = await post({ id: `c-${uid()}`, phone: '+14155557151', campaignId: campaign });
    const after = await post({ id: `c-${uid()}`, phone: '+14155557151', type: 'order.paid' });
    assert.equal((await sys.call('POST', `/v1/campaigns/${campaign}/cancel`)).status, 200);
    const dispatchers = await start();
    try {
      const failed = await eventually(async () => ((await status(doomed.eventId)).state === 'failed' ? status(doomed.eventId) : null), 20_000, 'the event to fail');
      assert.match(failed.lastError!, /cancelled/);
      assert.equal(failed.attempts, 1);
      assert.equal(failed.nextAttemptAt, null);
      await delivered(after.eventId);
      assert.deepEqual(await receivedIds(doomed.workflowId, 1), [after.eventId], 'the cadence never got the failed one');
    } finally {
      await stopAll(dispatchers);
    }
  });
});
