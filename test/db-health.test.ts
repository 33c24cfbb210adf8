/**
 * The hot queries stay on their indexes, and the daily routine keeps it so: on 60 days of attempts
 * (60,000 rows), EXPLAIN of the real queries — the gate's per-person daily count and idempotency
 * lookup, the incident watchdog's windows, the 24 h report — shows an index scan of attempts,
 * never a sequential one; and the daily database-health check runs ANALYZE and rebuilds a bloated
 * index with REINDEX CONCURRENTLY, and finds nothing left to rebuild the next time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { drizzle } from 'drizzle-orm/postgres-js';
import { checkDatabaseHealth } from '../activities/maintenance/daily';
import type { MaintenanceDeps } from '../activities/maintenance';
import type { Db } from '../db/client';
import { attemptByKey, contactsOnDay } from '../db/queries/attempts';
import { carrierApiFailures, campaignConnectRates } from '../db/queries/operations';
import { summary } from '../db/queries/reports';
import * as schema from '../db/schema';
import { bloatRatio, expectedPages } from '../domain/index-bloat';
import type { CheckResult } from '../domain/maintenance';
import { freshDatabase, useHarness } from './helpers/env';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (p: PlanNode): PlanNode[] => [p, ...(p.Plans ?? []).flatMap(nodes)];

describe('database health: indexes for the hot queries, ANALYZE and REINDEX in the daily routine', () => {
  const h = useHarness(freshDatabase, (d) => d.close());

  /** Runs `fn` on a database handle that records every statement it sends, and EXPLAINs those that read attempts. */
  const plansOf = async (fn: (db: Db) => Promise<unknown>) => {
    const queries: Array<{ query: string; params: unknown[] }> = [];
    const db = drizzle(h.sql, { schema, casing: 'snake_case', logger: { logQuery: (query, params) => queries.push({ query, params }) } }) as unknown as Db;
    await fn(db);
    const plans = [];
    for (const q of queries.filter((x) => /"attempts"/.test(x.query))) {
      const [row] = await h.sql.unsafe(`explain (format json) ${q.query}`, q.params as never[]);
      const plan = (row!['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan;
      plans.push({ query: q.query, nodes: nodes(plan) });
    }
    assert.ok(plans.length > 0, 'the function read attempts');
    return plans;
  };
  const assertIndexed = (plans: Awaited<ReturnType<typeof plansOf>>, index: string) => {
    for (const p of plans) {
      const onAttempts = p.nodes.filter((n) => n['Relation Name'] === 'attempts' || n['Index Name']?.startsWith('attempts_'));
      assert.ok(!onAttempts.some((n) => n['Node Type'] === 'Seq Scan'), `no sequential scan of attempts in: ${p.query}\n${JSON.stringify(p.nodes.map((n) => n['Node Type']))}`);
      assert.ok(onAttempts.some((n) => n['Index Name'] === index), `${index} used in: ${p.query}\n${JSON.stringify(onAttempts.map((n) => [n['Node Type'], n['Index Name']]))}`);
    }
  };

  test('60 days of attempts: the gate, the watchdog and the report read them by index', async () => {
    const { sql } = h;
    await sql`insert into contacts (tenant, phone, time_zone) select 'default', '+1415555' || lpad(g::text, 4, '0'), 'UTC' from generate_series(1, 2000) g`;
    // 60,000 calls over 60 days, 1,000 a day, every outcome
    await sql`
      insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, line_id, provider_sid, status, outcome, answered_by, duration_sec, reserved_at, placed_at, ended_at)
      select 'k' || g, c.id, 'c' || (g % 5), 'w' || (g % 2000), 'call', 1,
        to_char(now() - (g * interval '86.4 seconds'), 'YYYY-MM-DD'), 'line-' || (g % 3), 'CA' || g,
        (array['completed', 'busy', 'no-answer', 'failed'])[1 + g % 4], (array['answered', 'busy', 'no-answer', 'invalid'])[1 + g % 4], 'human', 30,
        now() - (g * interval '86.4 seconds'), now() - (g * interval '86.4 seconds'), now() - (g * interval '86.4 seconds') + interval '1 minute'
      from generate_series(1, 60000) g join (select id, row_number() over (order by phone) as n from contacts) c on c.n = 1 + g % 2000`;
    await sql`analyze`;
    const [c] = await sql`select contact_id, local_day from attempts where idempotency_key = 'k42'`;

    // the gate: the person's attempts today, the attempt's idempotency key
    assertIndexed(await plansOf((db) => contactsOnDay(db, c!.contact_id, c!.local_day)), 'attempts_contact_day_idx');
    assertIndexed(await plansOf((db) => attemptByKey(db, 'k42')), 'attempts_idempotency_key_uq');
    // the incident watchdog: connect rates over the last 30 minutes, carrier creates over the last 5
    assertIndexed(await plansOf((db) => campaignConnectRates(db, new Date(Date.now() - 30 * 60_000))), 'attempts_reserved_idx');
    assertIndexed(await plansOf((db) => carrierApiFailures(db, new Date(Date.now() - 5 * 60_000))), 'attempts_reserved_idx');
    // the report of the last 24 hours (its default), all campaigns and one
    assertIndexed(await plansOf((db) => summary(db, { from: new Date(Date.now() - 86_400_000), to: new Date() })), 'attempts_reserved_idx');
    const one = await plansOf((db) => summary(db, { from: new Date(Date.now() - 86_400_000), to: new Date(), campaignId: 'c1' }));
    for (const p of one) assert.ok(!p.nodes.some((n) => n['Relation Name'] === 'attempts' && n['Node Type'] === 'Seq Scan'), p.query);
  });

  test('the estimate: a packed index has no dead space; one holding a tenth of its entries is 90% dead', () => {
    const packed = { pages: expectedPages({ pages: 0, rows: 100_000, dataWidth: 16 }), rows: 100_000, dataWidth: 16 };
    assert.equal(bloatRatio(packed), 0);
    assert.ok(Math.abs(bloatRatio({ ...packed, rows: 10_000 }) - 0.9) < 0.01);
  });

  test('daily: ANALYZE, and REINDEX CONCURRENTLY of bloated indexes until none is left', async () => {
    const { sql, db } = h;
    // a table whose index lost 90% of its entries (deleted rows leave B-tree pages allocated)
    await sql`create table bloat_probe (id int primary key, v text)`;
    await sql`create index bloat_probe_v_idx on bloat_probe (v)`;
    await sql`insert into bloat_probe select g, md5(g::text) from generate_series(1, 100000) g`;
    await sql`delete from bloat_probe where id % 10 <> 0`;
    await sql`vacuum bloat_probe`;
    const before = Number((await sql`select pg_relation_size('bloat_probe_v_idx') as b`)[0]!.b);
    const deps = { db } as unknown as MaintenanceDeps;
    // an activity context for its heartbeats: the check itself runs for real on the database
    const run = () => new MockActivityEnvironment().run(checkDatabaseHealth, deps) as Promise<CheckResult>;
    const r = await run();
    assert.equal(r.status, 'ok', r.summary);
    const d = r.detail as { reindexed: Array<{ index: string; bloat: number; pagesBefore: number; pagesAfter: number }>; analyzeMs: number };
    const probe = d.reindexed.find((x) => x.index === 'bloat_probe_v_idx');
    assert.ok(probe, `the bloated index is rebuilt: ${JSON.stringify(d.reindexed)}`);
    assert.ok(probe.bloat >= 0.8, `estimated ${probe.bloat}`);
    const after = Number((await sql`select pg_relation_size('bloat_probe_v_idx') as b`)[0]!.b);
    assert.ok(after < before / 4, `the index shrank from ${before} to ${after} bytes`);
    // every index it judged bloated really was: the rebuild shrank each (the attempts seeded above in
    // descending time order left their time indexes' pages half empty after splits)
    for (const x of d.reindexed) assert.ok(x.pagesAfter < x.pagesBefore * 0.8, JSON.stringify(x));
    const [stats] = await sql`select last_analyze from pg_stat_user_tables where relname = 'bloat_probe'`;
    assert.ok(stats!.last_analyze, 'ANALYZE ran');
    // a second run finds nothing left to rebuild
    const again = (await run()).detail as { reindexed: unknown[] };
    assert.deepEqual(again.reindexed, []);
  });
});
