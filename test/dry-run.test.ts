/**
 * The strategy dry run agrees with what really happens: a campaign runs on the simulator (busy,
 * no answer, converted, opted out, answered: redials and all), then the same strategy replayed
 * over that history gives the same calls per day as the attempts table, and no difference from the
 * active strategy; a candidate with quiet hours over the afternoon defers every call and misses
 * every first-contact deadline.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

type Report = {
  activeVersion: number;
  candidate: { calls: number; sms: number; contacts: number; events: number; perDay: Array<{ day: string; calls: number; sms: number }>; perHour: Array<{ calls: number }>; refusals: Record<string, number>; deferrals: Record<string, number>; missedDeadlines: { count: number; sample: Array<{ reason: string }> }; peakCps: Record<string, { cps: number }> };
  active: Report['candidate'];
  difference: { calls: number; sms: number; perDay: unknown[]; missedDeadlines: number };
  elapsedMs: number;
};

describe('strategy dry run over a real run', () => {
  const sys = useSystem();
  const campaignId = 'dry-run-real';
  const strategy = { jitterSeconds: 0, maxAttempts: 3, redialDelaysMinutes: [1], maxCallsPerDay: 2 };

  test('the same strategy replayed over the history: identical calls per day; quiet hours over now: every call deferred, every deadline missed', async () => {
    const res = await sys.call('POST', '/v1/campaigns', { id: campaignId, name: 'Dry run', strategy });
    assert.equal(res.status, 201, await res.clone().text());
    const tz = afternoonZone();
    // 1 busy, 2 no answer (redialled up to the daily cap of 2), 4 opts out, 6 converts, 7 listens
    const phones = ['+8613800138401', '+8613800138412', '+8613800138424', '+8613800138436', '+8613800138447', '+8613800138451'];
    for (const phone of phones) {
      const r = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, campaignId, contact: { timeZone: tz } });
      assert.equal(r.status, 202, await r.clone().text());
    }
    // the busy and no-answer leads are called twice (the daily cap of 2), the others once: 9 calls, all ended
    const real = await eventually(async () => {
      const rows = await sys.sql<Array<{ day: string; calls: number; open: number }>>`
        select local_day as day, count(*)::int as calls, count(*) filter (where outcome is null)::int as open
        from attempts where campaign_id = ${campaignId} and channel = 'call' group by local_day order by local_day`;
      const total = rows.reduce((n, r) => n + r.calls, 0);
      return total >= 9 && rows.every((r) => r.open === 0) ? rows : null;
    }, 240_000, 'the campaign’s calls ended');
    // let any redial that would still come due show up in the attempts table first
    await new Promise((r) => setTimeout(r, 3000));

    const same = await sys.call('POST', `/v1/campaigns/${campaignId}/strategy/dry-run`, { strategy, days: 1 });
    assert.equal(same.status, 200, await same.clone().text());
    const report = (await same.json()) as Report;
    const after = (await sys.sql<Array<{ day: string; calls: number }>>`select local_day as day, count(*)::int as calls from attempts where campaign_id = ${campaignId} and channel = 'call' group by local_day order by local_day`).map(({ day, calls }) => ({ day, calls }));
    assert.deepEqual(after, real.map(({ day, calls }) => ({ day, calls })), 'no call came after the wait');
    assert.deepEqual(report.candidate.perDay.map(({ day, calls }) => ({ day, calls })), after, 'calls per local day agree with the attempts table');
    assert.equal(report.candidate.contacts, phones.length);
    assert.equal(report.candidate.events, phones.length);
    assert.equal(report.candidate.perHour.reduce((n, h) => n + h.calls, 0), report.candidate.calls);
    assert.ok((report.candidate.peakCps.standard?.cps ?? 0) >= 1);
    assert.equal(report.difference.calls, 0);
    assert.deepEqual(report.difference.perDay, [], 'the same strategy as the active one: no difference');
    assert.equal(report.candidate.missedDeadlines.count, 0);

    // a candidate whose quiet hours cover the whole afternoon: no call within the 10-minute deadline
    const quiet = await sys.call('POST', `/v1/campaigns/${campaignId}/strategy/dry-run`, { strategy: { ...strategy, quietHours: { start: '12:00', end: '18:00' } }, days: 1 });
    assert.equal(quiet.status, 200, await quiet.clone().text());
    const q = (await quiet.json()) as Report;
    assert.equal(q.candidate.missedDeadlines.count, phones.length);
    assert.ok(q.candidate.missedDeadlines.sample.every((m) => m.reason === 'quiet-hours'));
    assert.equal(q.difference.missedDeadlines, phones.length);
    assert.ok(q.difference.calls < 0, 'fewer calls inside the period');
  });

  test('bad input: an invalid candidate is 400 with the field named, an unknown campaign 404', async () => {
    const bad = await sys.call('POST', `/v1/campaigns/${campaignId}/strategy/dry-run`, { strategy: { maxCallsPerDay: 99 } });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { code: string; errors: Array<{ path: string }> };
    assert.equal(body.code, 'validation_failed');
    assert.ok(body.errors.some((e) => e.path === 'strategy.maxCallsPerDay'), JSON.stringify(body));
    const unknown = await sys.call('POST', '/v1/campaigns/nope/strategy/dry-run', { strategy: {} });
    assert.equal(unknown.status, 404);
  });
});
