/** Campaigns and versioned strategies on the real app and PostgreSQL. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createActivities } from '../activities';
import { createCarrier } from '../activities/carrier';
import { upsertContact } from '../db/queries/contacts';
import { auditLog } from '../db/schema';
import { zonedInstant } from '../domain/local-time';
import { useApi, type Api } from './helpers/api';
import { testKeyring } from './helpers/env';

type CampaignView = { id: string; status: string; activeStrategyVersion: number; strategy: { maxCallsPerDay: number; quietHours: { start: string } }; versions: Array<{ version: number; createdBy: string }> };

describe('/v1/campaigns and strategies', () => {
  const api = useApi();
  const req: Api['req'] = (...args) => api.req(...args);

  test('an admin creates a campaign; defaults fill the strategy; operators may not', async () => {
    assert.equal((await req('operator', 'POST', '/v1/campaigns', { name: 'Spring intake' })).status, 403);
    const res = await req('admin', 'POST', '/v1/campaigns', { id: 'edu', name: 'Spring intake', industry: 'education', strategy: { maxCallsPerDay: 1, firstContactWithinMinutes: { 'lead.created': 10 } } });
    assert.equal(res.status, 201, await res.clone().text());
    const c = (await res.json()) as CampaignView;
    assert.deepEqual([c.activeStrategyVersion, c.strategy.maxCallsPerDay, c.strategy.quietHours.start], [1, 1, '21:00']);
    assert.equal((await req('admin', 'POST', '/v1/campaigns', { id: 'edu', name: 'again' })).status, 409);
  });

  test('an invalid strategy is refused with errors that name the field', async () => {
    const res = await req('admin', 'POST', '/v1/campaigns/edu/strategy', { strategy: { quietHours: { start: '25:00', end: '08:00' }, maxCallsPerDay: 'two', colour: 1 } });
    assert.equal(res.status, 400);
    const p = (await res.json()) as { code: string; errors: Array<{ path: string; message: string }> };
    assert.equal(p.code, 'validation_failed');
    const paths = p.errors.map((e) => e.path);
    assert.ok(paths.includes('strategy.quietHours.start'), paths.join());
    assert.ok(paths.includes('strategy.maxCallsPerDay'), paths.join());
    assert.ok(p.errors.find((e) => e.path === 'strategy.quietHours.start')!.message.includes('HH:MM'));
  });

  test('versions are immutable and attributed; activate and rollback are single calls that the gate sees at once', async () => {
    const v2 = (await (await req('admin', 'POST', '/v1/campaigns/edu/strategy', { strategy: { maxCallsPerDay: 2, quietHours: { start: '20:00', end: '09:00' } } })).json()) as CampaignView;
    assert.deepEqual([v2.activeStrategyVersion, v2.strategy.quietHours.start, v2.versions.length], [2, '20:00', 2]);
    const staged = (await (await req('admin', 'POST', '/v1/campaigns/edu/strategy', { strategy: { maxCallsPerDay: 3 }, activate: false })).json()) as CampaignView;
    assert.equal(staged.activeStrategyVersion, 2, 'a staged version is not active');

    // the gate reads the active version for the next attempt of every cadence
    const contact = await upsertContact(api.db, { tenant: 'default', phone: '+8613800138200', timeZone: 'Asia/Shanghai' }, true);
    const at830 = zonedInstant({ year: 2027, month: 6, day: 10 }, 8 * 60 + 30, 'Asia/Shanghai');
    const acts = createActivities({ keyring: testKeyring(), db: api.db, carrier: createCarrier({ keyring: testKeyring() }), clock: () => at830, publicUrl: 'http://127.0.0.1:1' });
    const reserve = (seq: number) => acts.reserveAttempt({ workflowId: 'wf', seq, tenant: 'default', contactId: contact.id, phone: contact.phone, timeZone: 'Asia/Shanghai', followUpId: 'f', campaignId: 'edu', channel: 'call', attemptsSoFar: 0 });
    const under2 = await reserve(0);
    assert.ok(!under2.granted && under2.reason === 'quiet-hours' && under2.strategyVersion === 2, 'v2 keeps quiet hours until 09:00');

    const rolled = (await (await req('admin', 'POST', '/v1/campaigns/edu/strategy/rollback')).json()) as CampaignView;
    assert.equal(rolled.activeStrategyVersion, 1);
    const under1 = await reserve(1);
    assert.ok(under1.granted && under1.strategyVersion === 1, 'v1 allows 08:30');

    const act3 = await req('admin', 'POST', '/v1/campaigns/edu/strategy/3/activate');
    assert.equal(((await act3.json()) as CampaignView).activeStrategyVersion, 3);
    assert.equal((await req('admin', 'POST', '/v1/campaigns/edu/strategy/9/activate')).status, 404);
    assert.equal((await req('operator', 'POST', '/v1/campaigns/edu/strategy/rollback')).status, 403);
    const actions = (await api.db.select().from(auditLog).where(eq(auditLog.target, 'edu'))).map((a) => a.action);
    assert.deepEqual(actions, ['campaign.create', 'strategy.rollback', 'strategy.activate']);
  });

  test('operators pause and resume a campaign, idempotently; viewers read', async () => {
    for (let i = 0; i < 2; i++) assert.equal(((await (await req('operator', 'POST', '/v1/campaigns/edu/pause')).json()) as CampaignView).status, 'paused');
    assert.equal(((await (await req('operator', 'POST', '/v1/campaigns/edu/resume')).json()) as CampaignView).status, 'active');
    assert.equal((await req('viewer', 'POST', '/v1/campaigns/edu/pause')).status, 403);
    const list = (await (await req('viewer', 'GET', '/v1/campaigns')).json()) as { campaigns: CampaignView[] };
    assert.deepEqual(list.campaigns.map((c) => c.id).sort(), ['default', 'edu']);
    assert.equal((await req('viewer', 'GET', '/v1/campaigns/nope')).status, 404);
  });
});
