/**
 * The dry run's speed: 100,000 events of 50,000 contacts in five time zones (two with DST) over
 * seven days, with 100,000 recorded call outcomes, replayed under a candidate and the active
 * strategy from PostgreSQL. The time is printed (README.md keeps the figure); the assertions are
 * about the answer, never about the clock. Two dry runs at once share the replay threads and
 * answer as each does alone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { campaignHistory } from '../db/queries/dry-run';
import { dryRunStrategy, warmDryRun } from '../services/dry-run';
import { freshDatabase } from './helpers/env';

type Db = Awaited<ReturnType<typeof freshDatabase>>;
let database: Db;
const CONTACTS = 50_000;
const NOW = Date.UTC(2027, 2, 16, 12); // New York's DST began on 14 March, London's has not yet

before(async () => {
  database = await freshDatabase();
  const sql = database.sql;
  const now = new Date(NOW).toISOString();
  await sql`insert into campaigns (id, tenant, name, active_strategy_version) values ('bench', 'default', 'Bench', 1)`;
  await sql`insert into strategies (campaign_id, version, body, created_by) values ('bench', 1, ${JSON.stringify({ maxAttempts: 4 })}::jsonb, 'test')`;
  await sql`
    insert into contacts (tenant, phone, time_zone, tags)
    select 'default', '+1555' || lpad(i::text, 7, '0'),
      (array['America/New_York', 'Europe/London', 'Asia/Shanghai', 'Australia/Sydney', 'Asia/Kolkata'])[1 + i % 5],
      case when i % 10 = 0 then '["high-value"]'::jsonb else '[]'::jsonb end
    from generate_series(1, ${CONTACTS}) i`;
  // two events per contact: a lead, and a cart (or a paid order, which stops nothing of a lead) hours later
  await sql`
    insert into inbox_events (tenant, event_id, contact_id, campaign_id, type, occurred_at, strategy_version, workflow_id, payload, state, created_at, delivered_at)
    select 'default', 'e' || c.n || '-' || k, c.id, 'bench',
      case when k = 1 then 'lead.created' when c.n % 3 = 0 then 'order.paid' else 'cart.abandoned' end,
      t, 1, 'wf', '{}'::jsonb, 'delivered', t, t
    from (select id, row_number() over (order by phone) as n from contacts) c
    cross join generate_series(1, 2) k
    cross join lateral (select ${now}::timestamptz - interval '6 hours' - ((c.n * 7919 % 10000) / 10000.0) * interval '6 days' + (k - 1) * interval '5 hours' as t) ts`;
  await sql`
    insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, outcome, status, reserved_at)
    select 'k' || c.id || '-' || k, c.id, 'bench', 'wf', 'call', 1, '2027-03-10',
      (array['no-answer', 'busy', 'answered', 'converted', 'machine', 'no-answer', 'opted-out'])[1 + (c.n + k) % 7], 'completed', ${now}::timestamptz - interval '6 days'
    from (select id, row_number() over (order by phone) as n from contacts) c
    cross join generate_series(1, 2) k`;
  await sql`analyze`;
  // as the API does before it listens
  const warming = performance.now();
  await warmDryRun(NOW);
  console.log(`[dry-run] threads started and warmed (as at the API's start): ${Math.round(performance.now() - warming)} ms`);
});
after(() => database.close());

test('100,000 events replayed under two strategies: the figure, and an answer that adds up', async () => {
  const deps = { db: database.db, tenant: 'default' };
  const candidate = { maxAttempts: 4, redialDelaysMinutes: [30, 240], blockedWindows: [{ start: '11:00', end: '13:00' }, { start: '17:00', end: '19:00' }], sms: { afterUnansweredCalls: 2, text: 'We tried to reach you' } };
  const times: number[] = [];
  let report: Awaited<ReturnType<typeof dryRunStrategy>> | undefined;
  for (let i = 0; i < 3; i++) {
    const r = await dryRunStrategy(deps, { campaignId: 'bench', strategy: candidate, days: 7, now: NOW });
    times.push(r.elapsedMs);
    if (report) assert.deepEqual({ ...r, elapsedMs: 0 }, { ...report, elapsedMs: 0 }, 'the same answer every time (jitter draws are seeded per contact)');
    report = r;
  }
  // the share of reading the history from PostgreSQL (the query and the rows, no replay)
  const read = performance.now();
  let contacts = 0;
  for await (const rows of campaignHistory(database.db, { tenant: 'default', campaignId: 'bench', from: new Date(NOW - 7 * 86_400_000), to: new Date(NOW) })) contacts += rows.length;
  assert.equal(contacts, CONTACTS);
  console.log(`[dry-run] reading the history alone: ${Math.round(performance.now() - read)} ms`);
  console.log(`[dry-run] 100,000 events, ${CONTACTS} contacts, two strategies: ${times.map((t) => `${t} ms`).join(', ')} (the threads warmed first, as at the API's start)`);
  const c = report!.candidate;
  const a = report!.active;
  assert.equal(c.events, 2 * CONTACTS);
  assert.equal(c.contacts, CONTACTS);
  assert.equal(a.events, 2 * CONTACTS);
  for (const r of [c, a]) {
    assert.equal(r.perDay.reduce((n, d) => n + d.calls, 0), r.calls);
    assert.equal(r.perHour.reduce((n, d) => n + d.calls, 0), r.calls);
    assert.equal(r.perHour.reduce((n, d) => n + d.sms, 0), r.sms);
    assert.ok(r.calls > CONTACTS, 'at least one call per lead and redials');
    assert.ok(r.peakCps.standard && r.peakCps.premium, 'high-value contacts use the premium tier');
  }
  assert.ok(c.sms > 0 && a.sms === 0, 'only the candidate texts');
  assert.ok((c.deferrals['blocked-window'] ?? 0) > 0 && !a.deferrals['blocked-window'], 'only the candidate has meal-time blocks');
  assert.equal(report!.difference.calls, c.calls - a.calls);
  assert.equal(report!.difference.sms, c.sms);

  // two dry runs at once share the replay threads: each gets its own answer
  const [again, same] = await Promise.all([
    dryRunStrategy(deps, { campaignId: 'bench', strategy: candidate, days: 7, now: NOW }),
    dryRunStrategy(deps, { campaignId: 'bench', strategy: { maxAttempts: 4 }, days: 7, now: NOW }),
  ]);
  assert.deepEqual({ ...again, elapsedMs: 0 }, { ...report, elapsedMs: 0 });
  assert.deepEqual(same.candidate, a, 'the active strategy as the candidate: the active answer');
  assert.deepEqual(same.active, a);
});
