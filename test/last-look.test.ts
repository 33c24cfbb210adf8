/**
 * The carrier activities' last look, on the real system (PostgreSQL, the twilio client and the
 * simulator): a reservation the gate granted while the window was open is not sent once the
 * window has closed (a pacing queue, a retried activity after a worker crash or an outage can put
 * the send minutes after the grant). Nothing reaches the carrier, the attempt is `not-placed`
 * and costs the person no place in the day's budget, and the refusal is in the compliance log.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { createActivities } from '../activities';
import { createCarrier } from '../activities/carrier';
import { contactsOnDay } from '../db/queries/attempts';
import { ensureCampaign } from '../db/queries/campaigns';
import { upsertContact } from '../db/queries/contacts';
import { attempts, complianceLog } from '../db/schema';
import { localDate } from '../domain/local-time';
import { CarrierFailure } from '../workflows/constants';
import { testKeyring, uid } from './helpers/env';
import { useSystem } from './helpers/system';
import { zoneAt } from './helpers/zones';

const HOUR = 3_600_000;

describe('the last look before the carrier: a window that closed after the grant', () => {
  const sys = useSystem();
  /** The gate runs three hours ago (20:00 local, allowed); the carrier activities run now (23:00, quiet hours). */
  const granted = (grantClock: number) =>
    createActivities({ keyring: testKeyring(), db: sys.db, carrier: createCarrier({ keyring: testKeyring(), apiBaseUrl: sys.simUrl }), clock: () => grantClock, publicUrl: sys.apiUrl, maxCallsPerPersonPerDay: 2 });

  const reserve = async (channel: 'call' | 'sms', campaignId: string) => {
    const now = Date.now();
    const timeZone = zoneAt(23, now);
    const phone = `+1646555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
    const contact = await upsertContact(sys.db, { tenant: sys.tenant, phone, timeZone }, true);
    const acts = granted(now - 3 * HOUR);
    const workflowId = `last-look-${uid()}`;
    const res = await acts.reserveAttempt({ workflowId, seq: 0, tenant: sys.tenant, contactId: contact.id, phone, timeZone, followUpId: 'f', campaignId, channel, attemptsSoFar: 0 });
    assert.ok(res.granted, 'the gate granted at 20:00 local');
    return { acts, attemptId: res.attemptId, contact, phone, workflowId, timeZone, now };
  };

  const refusedAsWindowClosed = async (run: Promise<unknown>) => {
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, CarrierFailure.windowClosed);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /quiet-hours/);
      assert.doesNotMatch(err.message, /\+1646/, 'no number in the error');
      return true;
    });
  };

  const recorded = async (r: Awaited<ReturnType<typeof reserve>>, channel: 'call' | 'sms') => {
    const [a] = await sys.db.select().from(attempts).where(eq(attempts.id, r.attemptId));
    assert.equal(a!.status, 'not-placed');
    assert.equal(a!.outcome, 'window-closed');
    assert.equal(a!.providerSid, null);
    const logged = await sys.db.select().from(complianceLog).where(eq(complianceLog.workflowId, r.workflowId));
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.reason, 'quiet-hours');
    assert.equal(logged[0]!.channel, channel);
    assert.equal(logged[0]!.detail?.lastLook, true);
    // the day it was reserved on keeps its budget: the attempt never reached the person
    const used = await contactsOnDay(sys.db, r.contact.id, localDate(r.now - 3 * HOUR, r.timeZone));
    assert.deepEqual(used, { calls: 0, sms: 0 });
  };

  test('a call granted at 20:00 and sent at 23:00 local is not placed', async () => {
    const r = await reserve('call', 'default');
    await refusedAsWindowClosed(new MockActivityEnvironment().run(r.acts.placeCall, { attemptId: r.attemptId }));
    assert.equal([...sys.sim.calls.values()].filter((c) => c.to === r.phone).length, 0, 'the carrier was never asked');
    await recorded(r, 'call');
    // a retry of the same activity (its failure is non-retryable, but a replayed task may run it again) sends nothing either
    await assert.rejects(new MockActivityEnvironment().run(r.acts.placeCall, { attemptId: r.attemptId }));
    assert.equal([...sys.sim.calls.values()].filter((c) => c.to === r.phone).length, 0);
  });

  test('the dial activity (the call and its outcome in one) refuses the same way', async () => {
    const r = await reserve('call', 'default');
    await refusedAsWindowClosed(new MockActivityEnvironment().run(r.acts.dial, { attemptId: r.attemptId }));
    assert.equal([...sys.sim.calls.values()].filter((c) => c.to === r.phone).length, 0);
    await recorded(r, 'call');
  });

  test('a text granted at 20:00 and sent at 23:00 local is not sent', async () => {
    await ensureCampaign(sys.db, { id: 'last-look-texts', name: 'last-look-texts', strategy: { sms: { afterUnansweredCalls: 1, text: 'We tried to call you.', maxPerDay: 1 } }, createdBy: 'test' });
    const r = await reserve('sms', 'last-look-texts');
    await refusedAsWindowClosed(new MockActivityEnvironment().run(r.acts.sendSms, { attemptId: r.attemptId }));
    assert.equal(sys.sim.messages.filter((m) => m.to === r.phone).length, 0, 'the carrier was never asked');
    await recorded(r, 'sms');
  });

  test('inside the window the same path places the call (the look does not refuse everything)', async () => {
    const now = Date.now();
    const timeZone = zoneAt(14, now);
    const phone = `+1646556${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
    const contact = await upsertContact(sys.db, { tenant: sys.tenant, phone, timeZone }, true);
    const acts = granted(now);
    const res = await acts.reserveAttempt({ workflowId: `last-look-${uid()}`, seq: 0, tenant: sys.tenant, contactId: contact.id, phone, timeZone, followUpId: 'f', campaignId: 'default', channel: 'call', attemptsSoFar: 0 });
    assert.ok(res.granted);
    const placed = (await new MockActivityEnvironment().run(acts.placeCall, { attemptId: res.attemptId })) as { providerSid: string };
    assert.ok(placed.providerSid);
    assert.equal([...sys.sim.calls.values()].filter((c) => c.to === phone).length, 1);
  });
});
