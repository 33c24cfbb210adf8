/**
 * `npm run bench:reports`: how long GET /v1/reports/summary's query (db/queries/reports.ts
 * `summary`) takes on a million attempts. Starts the embedded PostgreSQL (the machine's binaries,
 * a temporary folder, a free port), migrates, seeds in SQL (generate_series): 20,000 contacts and
 * BENCH_REPORT_ROWS attempts (default 1,000,000) spread evenly over 30 days, 8 campaigns and 4
 * lines, every outcome the simulator gives, one in eleven a text; ANALYZE; then times the report
 * over the last 24 h (the page's default), 7 days and 30 days, for all campaigns and for one,
 * BENCH_REPORT_RUNS times each (default 5, after one warm-up), and prints p50 and max with the
 * plan of the attempts query (EXPLAIN ANALYZE: which scan, how the grouping was done, memory);
 * once with PostgreSQL's default work_mem, once with 64 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { connect, migrateDb, type Db } from '../db/client';
import { summary, type ReportFilter } from '../db/queries/reports';
import * as schema from '../db/schema';
import { freePort } from './lib/ports';
import { startPostgres } from './lib/postgres';

const ROWS = Number(process.env.BENCH_REPORT_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 5);
const DAYS = 30;
const log = (m: string) => console.log(`[bench:reports] ${m}`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-bench-reports-'));
  const pg = await startPostgres({ dataDir, port: await freePort(), database: 'redial', fast: true, log });
  try {
    await migrateDb(pg.url);
    // one connection, so a `set` applies to every query that follows
    const { sql, close } = connect(pg.url, { max: 1 });
    try {
      let t0 = performance.now();
      await sql`insert into contacts (tenant, phone, time_zone) select 'default', '+1415' || lpad(g::text, 7, '0'), 'UTC' from generate_series(1, 20000) g`;
      // the simulator's outcomes by the last digit (DESIGN.md): invalid, busy, no-answer, machine, opt-out, speech, converted, listens ×3
      await sql`
        insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, line_id, provider_sid,
                              status, outcome, answered_by, duration_sec, sip_response_code, reserved_at, placed_at, ended_at)
        select 'k' || g, c.id, 'campaign-' || (g % 8), 'w' || (g % 20000), case when g % 11 = 0 then 'sms' else 'call' end, 1,
          to_char(at, 'YYYY-MM-DD'), 'line-' || (g % 4), 'CA' || g,
          case when g % 11 = 0 then 'delivered' else (array['failed', 'busy', 'no-answer', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed'])[1 + g % 10] end,
          case when g % 11 = 0 then 'sms-delivered' else (array['invalid', 'busy', 'no-answer', 'machine', 'opted-out', 'answered', 'converted', 'answered', 'answered', 'answered'])[1 + g % 10] end,
          case when g % 10 = 3 then 'machine_start' when g % 10 >= 4 then 'human' end,
          case when g % 10 >= 3 then 20 + g % 100 end,
          case when g % 10 = 0 then 404 end,
          at, at, at + interval '1 minute'
        from (select g, now() - (g * ${`${(DAYS * 86_400) / ROWS} seconds`}::interval) as at from generate_series(1, ${ROWS}::int) g) s
        join (select id, row_number() over (order by phone) as n from contacts) c on c.n = 1 + s.g % 20000`;
      log(`seeded ${ROWS.toLocaleString('en-US')} attempts over ${DAYS} days in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      t0 = performance.now();
      await sql`analyze`;
      log(`ANALYZE in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      // a handle that also keeps the statements it sends, to EXPLAIN the report's attempts query
      const sent: Array<{ query: string; params: unknown[] }> = [];
      const db = drizzle(sql, { schema, casing: 'snake_case', logger: { logQuery: (query, params) => sent.push({ query, params }) } }) as unknown as Db;
      const now = Date.now();
      const windows: Array<[string, ReportFilter]> = [];
      for (const [name, hours] of [['24 h', 24], ['7 days', 168], ['30 days', 720]] as const) {
        windows.push([`${name}, all campaigns`, { from: new Date(now - hours * 3_600_000), to: new Date(now) }]);
        windows.push([`${name}, one campaign`, { from: new Date(now - hours * 3_600_000), to: new Date(now), campaignId: 'campaign-3' }]);
      }
      const figures: string[] = [];
      // PostgreSQL's default work_mem (4 MB), then more: the report's per-line series is sorted, spilling to disk at the default
      for (const workMem of [null, '64MB']) {
        if (workMem) await sql.unsafe(`set work_mem = '${workMem}'`);
        for (const [window, f] of windows) {
          const name = `${window}${workMem ? `, work_mem ${workMem}` : ''}`;
          sent.length = 0;
          const first = await summary(db, f); // warm-up: the plan and the pages cached
          const times: number[] = [];
          for (let i = 0; i < RUNS; i++) {
            const t = performance.now();
            await summary(db, f);
            times.push(performance.now() - t);
          }
          const line = `${name} (${first.attempted.toLocaleString('en-US')} calls + ${first.smsSent.toLocaleString('en-US')} texts): p50 ${pct(times, 50).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms over ${RUNS}`;
          log(line);
          figures.push(line);
          const main = sent.find((x) => /from "attempts"/.test(x.query))!;
          const plan = await sql.unsafe(`explain (analyze, buffers, format text) ${main.query}`, main.params as never[]);
          for (const row of plan) {
            const text = String(row['QUERY PLAN']);
            if (/Scan|Aggregate|Sort|Hash|Memory|Execution Time|Batches|Disk/.test(text)) log(`  plan: ${text.trim()}`);
          }
        }
      }
      for (const f of figures) console.log(`[figure] report query at ${ROWS.toLocaleString('en-US')} attempts, ${f}`);
    } finally {
      await close();
    }
  } finally {
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error('[bench:reports] failed:', err);
  process.exit(1);
});
