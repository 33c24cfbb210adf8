/**
 * The reservation gate on real PostgreSQL: one transaction decides, a refusal is logged with its
 * reason and strategy version, a grant is a row, and a retried request is the same reservation.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createActivities } from '../activities';
import { createCarrier } from '../activities/carrier';
import type { RedialActivities, ReserveRequest } from '../workflows/contracts';
import { bootstrap } from '../services/bootstrap';
import { newKey } from '../services/keys';
import { ensureCampaign } from '../db/queries/campaigns';
import { upsertContact } from '../db/queries/contacts';
import { attempts, campaigns, complianceLog, optOuts } from '../db/schema';
import { simulatorLines } from '../sim/defaults';
import { zonedInstant } from '../domain/local-time';
import { freshDatabase, testKeyring } from './helpers/env';

const tz = 'Asia/Shanghai';
const at = (hh: number, mm = 0, day = 10) => zonedInstant({ year: 2027, month: 6, day }, hh * 60 + mm, tz);

describe('reservation gate (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let acts: RedialActivities;
  let now = 0;
  let req: (seq: number, extra?: Partial<ReserveRequest>) => ReserveRequest;

  before(async () => {
    database = await freshDatabase();
    await bootstrap(database.db, { keyring: testKeyring(), adminKey: newKey(), lines: simulatorLines });
    acts = createActivities({ keyring: testKeyring(), db: database.db, carrier: createCarrier({ keyring: testKeyring() }), clock: () => now, publicUrl: 'http://127.0.0.1:1', maxCallsPerPersonPerDay: 2 });
    // campaigns whose own daily caps are above the per-person ceiling, and one below it
    for (const [id, maxCallsPerDay] of [['edu-3', 3], ['shop-4', 4], ['quiet-1', 1]] as const) await ensureCampaign(database.db, { id, name: id, strategy: { maxCallsPerDay }, createdBy: 'test' });
    // texts after one unanswered call, at most one a day
    await ensureCampaign(database.db, { id: 'texts', name: 'texts', strategy: { sms: { afterUnansweredCalls: 1, text: 'We tried to call you.', maxPerDay: 1 } }, createdBy: 'test' });
  });
  after(async () => {
    await database?.close();
  });

  let phone = 8613800138100;
  beforeEach(async () => {
    const c = await upsertContact(database.db, { tenant: 'default', phone: `+${++phone}`, timeZone: tz }, true);
    req = (seq, extra = {}) => ({
      workflowId: `wf-${c.phone}`,
      seq,
      tenant: 'default',
      contactId: c.id,
      phone: c.phone,
      timeZone: tz,
      followUpId: 'f',
      campaignId: 'default',
      channel: 'call',
      attemptsSoFar: 0,
      ...extra,
    });
  });

  const refusals = async (workflowId: string) => database.db.select().from(complianceLog).where(eq(complianceLog.workflowId, workflowId));

  test('grants inside the window, and a retried request is the same reservation', async () => {
    now = at(14);
    const a = await acts.reserveAttempt(req(0));
    const b = await acts.reserveAttempt(req(0));
    assert.ok(a.granted && b.granted);
    assert.equal(a.attemptId, b.attemptId);
    const rows = await database.db.select().from(attempts).where(eq(attempts.workflowId, req(0).workflowId));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.localDay, '2027-06-10');
    assert.equal(rows[0]!.strategyVersion, 1);
  });

  test('refuses in quiet hours by the real clock, logs why, and says when to come back', async () => {
    now = at(23, 10);
    const r = await acts.reserveAttempt(req(0));
    assert.equal(r.granted, false);
    assert.ok(!r.granted);
    assert.equal(r.reason, 'quiet-hours');
    assert.equal(r.retryAt, at(8, 0, 11));
    const [log] = await refusals(req(0).workflowId);
    assert.equal(log?.reason, 'quiet-hours');
    assert.equal(log?.strategyVersion, 1);
    // a retried refusal is logged once
    await acts.reserveAttempt(req(0));
    assert.equal((await refusals(req(0).workflowId)).length, 1);
  });

  test('holds the daily cap per person, and carrier failures do not count against it', async () => {
    now = at(10);
    const first = await acts.reserveAttempt(req(0));
    now = at(10, 5);
    const second = await acts.reserveAttempt(req(1));
    assert.ok(first.granted && second.granted);
    now = at(10, 10);
    const third = await acts.reserveAttempt(req(2));
    assert.ok(!third.granted);
    assert.equal(third.reason, 'daily-cap');
    assert.equal(third.callsToday, 2);
    // the network failed the second call (SIP 503): the person was never reached
    await database.db.update(attempts).set({ status: 'failed', outcome: 'carrier-failure', sipResponseCode: 503 }).where(eq(attempts.id, second.attemptId));
    const retry = await acts.reserveAttempt(req(3));
    assert.ok(retry.granted, 'a carrier failure frees its slot');
  });

  test('calls and SMS share one daily budget per person, and an SMS also meets its own cap', async () => {
    const texts = { campaignId: 'texts', followUpId: 'texts' };
    now = at(10);
    const call = await acts.reserveAttempt(req(0, texts));
    now = at(10, 5);
    const sms = await acts.reserveAttempt(req(1, { ...texts, channel: 'sms' }));
    assert.ok(call.granted && sms.granted);
    now = at(10, 10);
    // the ceiling of 2 contacts is spent by one call and one text: no third contact by any channel, in any campaign
    for (const r of [await acts.reserveAttempt(req(2, texts)), await acts.reserveAttempt(req(3, { campaignId: 'shop-4', followUpId: 'shop' })), await acts.reserveAttempt(req(4, { ...texts, channel: 'sms' }))]) {
      assert.ok(!r.granted);
      assert.equal(r.reason, 'daily-cap');
      assert.deepEqual([r.callsToday, r.smsToday], [1, 1], 'the gate tells the cadence both counts');
    }
    const [log] = (await refusals(req(0).workflowId)).filter((l) => l.channel === 'sms');
    assert.deepEqual((log?.detail as { smsMax: number }).smsMax, 1);
    // the next day: one text only (its own cap), though the budget would allow two contacts
    now = at(9, 0, 11);
    assert.ok((await acts.reserveAttempt(req(5, { ...texts, channel: 'sms' }))).granted);
    const second = await acts.reserveAttempt(req(6, { ...texts, channel: 'sms' }));
    assert.ok(!second.granted);
    assert.equal(second.reason, 'daily-cap');
    assert.ok((await acts.reserveAttempt(req(7, texts))).granted, 'a call still fits the budget');
  });

  test('the per-person ceiling holds across campaigns whose own caps are higher: no strategy raises it', async () => {
    now = at(11);
    const a = await acts.reserveAttempt(req(0, { campaignId: 'edu-3', followUpId: 'edu' }));
    now = at(11, 5);
    const b = await acts.reserveAttempt(req(1, { campaignId: 'shop-4', followUpId: 'shop' }));
    assert.ok(a.granted && b.granted);
    now = at(11, 10);
    const c = await acts.reserveAttempt(req(2, { campaignId: 'shop-4', followUpId: 'shop' }));
    const d = await acts.reserveAttempt(req(3, { campaignId: 'edu-3', followUpId: 'edu' }));
    for (const r of [c, d]) {
      assert.ok(!r.granted, 'a third call in the day is refused, whatever the campaign allows');
      assert.equal(r.reason, 'daily-cap');
      assert.equal(r.callsToday, 2);
    }
    assert.deepEqual([a.ceiling, c.ceiling], [2, 2], 'the gate tells the cadence the ceiling it plans with');
    const [log] = await refusals(req(0).workflowId);
    const detail = log?.detail as { callsToday: number; max: number };
    assert.deepEqual([detail.callsToday, detail.max], [2, 2], 'the log names the effective cap');
    // the next local day starts afresh
    now = at(9, 0, 11);
    assert.ok((await acts.reserveAttempt(req(4, { campaignId: 'shop-4', followUpId: 'shop' }))).granted);
  });

  test('a strategy can lower the ceiling, and a lower configured ceiling binds every strategy', async () => {
    now = at(12);
    assert.ok((await acts.reserveAttempt(req(0, { campaignId: 'quiet-1' }))).granted);
    now = at(12, 5);
    const lowered = await acts.reserveAttempt(req(1, { campaignId: 'quiet-1' }));
    assert.ok(!lowered.granted);
    assert.equal(lowered.reason, 'daily-cap', 'the campaign capped at 1 stops at 1');
    // the same person may still get a second call from a campaign that allows it
    assert.ok((await acts.reserveAttempt(req(2, { campaignId: 'edu-3' }))).granted);

    const strict = createActivities({ keyring: testKeyring(), db: database.db, carrier: createCarrier({ keyring: testKeyring() }), clock: () => now, publicUrl: 'http://127.0.0.1:1', maxCallsPerPersonPerDay: 1 });
    now = at(13, 0, 12);
    assert.ok((await strict.reserveAttempt(req(3, { campaignId: 'shop-4' }))).granted);
    now = at(13, 5, 12);
    const over = await strict.reserveAttempt(req(4, { campaignId: 'shop-4' }));
    assert.ok(!over.granted);
    assert.deepEqual([over.reason, over.ceiling], ['daily-cap', 1]);
  });

  test('refuses a number on the DNC list, a paused or cancelled campaign, and past max attempts', async () => {
    now = at(15);
    await database.db.update(campaigns).set({ status: 'paused' }).where(eq(campaigns.id, 'default'));
    const paused = await acts.reserveAttempt(req(0));
    await database.db.update(campaigns).set({ status: 'cancelled' }).where(eq(campaigns.id, 'default'));
    const cancelled = await acts.reserveAttempt(req(3));
    await database.db.update(campaigns).set({ status: 'active' }).where(eq(campaigns.id, 'default'));
    assert.ok(!paused.granted);
    assert.equal(paused.reason, 'campaign-paused');
    assert.ok(paused.retryAt, 'a paused campaign is asked again later');
    assert.ok(!cancelled.granted);
    assert.deepEqual([cancelled.reason, cancelled.retryAt], ['campaign-cancelled', null], 'a cancelled one is not');

    const maxed = await acts.reserveAttempt(req(1, { attemptsSoFar: 6 }));
    assert.ok(!maxed.granted);
    assert.equal(maxed.reason, 'max-attempts');

    await database.db.insert(optOuts).values({ tenant: 'default', phone: req(0).phone, source: 'sms' });
    const dnc = await acts.reserveAttempt(req(2));
    assert.ok(!dnc.granted);
    assert.equal(dnc.reason, 'opted-out');
    assert.deepEqual((await refusals(req(0).workflowId)).map((r) => r.reason).sort(), ['campaign-cancelled', 'campaign-paused', 'max-attempts', 'opted-out']);
    assert.equal((await database.db.select().from(attempts).where(eq(attempts.workflowId, req(0).workflowId))).length, 0);
  });
});
