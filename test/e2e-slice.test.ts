/**
 * The thin real slice through every part: POST /v1/events → signal-with-start of the contact's
 * cadence → reservation in PostgreSQL → call through the real twilio client → simulator fetches
 * TwiML and sends signed callbacks → API validates, stores, signals → outcome in PostgreSQL and
 * in GET /v1/contacts/{id}.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { registerKey, newKey } from '../services/keys';
import { attempts, auditLog, callEvents, contacts, optOuts } from '../db/schema';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone, zoneAt } from './helpers/zones';
import { testKeyring } from './helpers/env';
import { workflowIdOf } from '../services/cadences';

describe('end to end: event → cadence → twilio → simulator → callbacks → outcome', () => {
  const sys = useSystem();

  const contactOf = async (contactId: string) => {
    const res = await sys.call('GET', `/v1/contacts/${contactId}`);
    assert.equal(res.status, 200);
    return (await res.json()) as {
      status: string;
      attempts: Array<{ status: string; outcome: string | null; providerSid: string | null; lineId: string | null }>;
      cadence: { status: string; optedOut: boolean; followUps: Array<{ status: string; endReason: string | null; attempts: number }> } | null;
    };
  };

  test('a lead that presses 1 is called once and recorded as converted', async () => {
    const phone = '+14155550126';
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202, await res.clone().text());
    const { contactId, workflowId } = (await res.json()) as { contactId: string; workflowId: string };
    assert.equal(workflowId, workflowIdOf(testKeyring(), { tenant: sys.tenant, phone }));

    const contact = await eventually(async () => {
      const c = await contactOf(contactId);
      return c.cadence?.followUps[0]?.status === 'done' ? c : null;
    }, 30_000, 'the follow-up to finish');
    assert.equal(contact.cadence!.followUps[0]!.endReason, 'converted');
    assert.equal(contact.attempts.length, 1);
    const [a] = contact.attempts;
    assert.equal(a!.status, 'completed');
    assert.equal(a!.outcome, 'converted');
    assert.equal(a!.lineId, 'sim-standard');

    // the carrier's own record agrees, and every callback was stored once
    await sys.sim.idle();
    const simCalls = [...sys.sim.calls.values()].filter((c) => c.to === phone);
    assert.equal(simCalls.length, 1);
    assert.equal(simCalls[0]!.sid, a!.providerSid);
    assert.deepEqual(simCalls[0]!.digits, ['1']);
    const events = await sys.db.select().from(callEvents).where(eq(callEvents.providerSid, a!.providerSid!));
    assert.deepEqual(events.map((e) => e.status).sort(), ['completed', 'in-progress']);
  });

  test('operators can filter cadences in Temporal by Redial search attributes', async () => {
    const phone = '+14155550126';
    const id = workflowIdOf(testKeyring(), { tenant: sys.tenant, phone });
    const found = await eventually(async () => {
      for await (const wf of sys.temporal.workflow.list({ query: `WorkflowId = "${id}" AND RedialCadenceStatus = "idle"` })) return wf;
      return null;
    }, 20_000, 'the cadence in visibility with status idle');
    assert.equal(found.workflowId, id);
    const none = sys.temporal.workflow.list({ query: `WorkflowId = "${id}" AND RedialCadenceStatus = "opted-out"` });
    for await (const wf of none) assert.fail(`unexpected match ${wf.workflowId}`);
  });

  test('pressing 0 opts out at once: DNC row, contact opted out, no call ever after', async () => {
    const phone = '+14155550124';
    const tz = afternoonZone();
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: tz } });
    assert.equal(res.status, 202);
    const { contactId } = (await res.json()) as { contactId: string };
    await eventually(async () => (await contactOf(contactId)).cadence?.optedOut, 30_000, 'opt-out');
    const [dnc] = await sys.db.select().from(optOuts).where(eq(optOuts.phone, phone));
    assert.equal(dnc?.source, 'dtmf');
    const [row] = await sys.db.select().from(contacts).where(eq(contacts.id, contactId));
    assert.equal(row?.status, 'opted_out');

    // a new trigger for an opted-out person is accepted but never dialled
    const again = await sys.call('POST', '/v1/events', { type: 'cart.abandoned', phone, contact: { timeZone: tz } });
    assert.equal(again.status, 202);
    await new Promise((r) => setTimeout(r, 1500));
    await sys.sim.idle();
    assert.equal([...sys.sim.calls.values()].filter((c) => c.to === phone).length, 1);
    const rows = await sys.db.select().from(attempts).where(eq(attempts.contactId, contactId));
    assert.equal(rows.length, 1);
  });

  test('a status callback with a forged signature is refused with 403 and changes nothing', async () => {
    const [a] = await sys.db.select().from(attempts).limit(1);
    assert.ok(a, 'an attempt exists from the tests above');
    const body = new URLSearchParams({ AccountSid: `AC${'2'.repeat(32)}`, CallSid: a.providerSid!, CallStatus: 'busy', SequenceNumber: '9' });
    const res = await fetch(`${sys.apiUrl}/twilio/status/${a.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'Zm9yZ2Vk' },
      body,
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const [after] = await sys.db.select().from(attempts).where(eq(attempts.id, a.id));
    assert.equal(after?.status, a.status);
  });

  test('operators pause, resume and opt out a sleeping cadence; only an admin takes a number off the DNC list', async () => {
    const operator = newKey();
    await registerKey(sys.db, testKeyring(), operator, 'operator', 'ops');
    const night = zoneAt(23);
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone: '+14155550157', contact: { timeZone: night } });
    const { contactId } = (await res.json()) as { contactId: string };
    const status = async () => (await contactOf(contactId)).cadence?.status;
    await eventually(async () => (await status()) === 'active', 10_000, 'active');
    assert.equal((await sys.call('POST', `/v1/contacts/${contactId}/pause`, undefined, operator)).status, 200);
    await eventually(async () => (await status()) === 'paused', 10_000, 'paused');
    assert.equal((await sys.call('POST', `/v1/contacts/${contactId}/resume`, undefined, operator)).status, 200);
    await eventually(async () => (await status()) === 'active', 10_000, 'resumed');
    assert.equal((await sys.call('POST', `/v1/contacts/${contactId}/opt-out`, undefined, operator)).status, 200);
    await eventually(async () => (await contactOf(contactId)).cadence?.optedOut, 10_000, 'opted out');
    assert.equal((await sys.db.select().from(optOuts).where(eq(optOuts.phone, '+14155550157'))).length, 1);
    assert.equal((await sys.call('DELETE', `/v1/contacts/${contactId}/opt-out`, undefined, operator)).status, 403);
    const removed = await sys.call('DELETE', `/v1/contacts/${contactId}/opt-out`);
    assert.equal(removed.status, 200);
    assert.equal(((await removed.json()) as { changed: boolean }).changed, true);
    assert.equal((await sys.db.select().from(optOuts).where(eq(optOuts.phone, '+14155550157'))).length, 0);
    const trail = await sys.db.select().from(auditLog).where(eq(auditLog.target, contactId));
    assert.deepEqual(trail.map((a) => a.action), ['contact.pause', 'contact.resume', 'contact.opt-out', 'dnc.remove']);
    assert.equal((await sys.call('POST', `/v1/contacts/00000000-0000-4000-8000-000000000000/pause`, undefined, operator)).status, 404);
  });

  test('a high-value contact is called on the premium line (tier by tag)', async () => {
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone: '+14155550177', contact: { timeZone: afternoonZone(), tags: ['high-value'] } });
    const { contactId } = (await res.json()) as { contactId: string };
    const c = await eventually(async () => {
      const v = await contactOf(contactId);
      return v.attempts[0]?.lineId ? v : null;
    }, 20_000, 'the call to be placed');
    assert.equal(c.attempts[0]!.lineId, 'sim-premium');
  });

  test('GET /healthz reports PostgreSQL and Temporal up', async () => {
    const res = await sys.call('GET', '/healthz', undefined, null);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; postgres: { ok: boolean }; temporal: { ok: boolean } };
    assert.equal(body.status, 'ok');
    assert.ok(body.postgres.ok && body.temporal.ok);
  });
});
