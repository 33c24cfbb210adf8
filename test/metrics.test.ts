/**
 * Metrics and logs after real traffic through the real stack (PostgreSQL, a Temporal dev server,
 * the api and the worker as child processes logging JSON, the real twilio client against the
 * simulator): the api's and the worker's /metrics carry the expected series with the counts the
 * carrier's own record says; no phone number is in them or in any log line; the logs of the api,
 * the worker and the simulator share one shape; and every metric the Grafana dashboard and the
 * Prometheus alert rules read is one the processes really export (so the dashboard cannot rot).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { zoneAtLocalHour } from '../domain/local-time';
import { unmaskedPhones } from '../domain/phone';
import { freePort } from '../scripts/lib/ports';
import { startCluster, type Cluster } from '../scripts/lib/soak/cluster';
import { simulatorLines } from '../sim/defaults';
import { eventually } from './helpers/system';

const root = path.resolve(__dirname, '..');
const TOKEN = 'metrics-token-for-the-test-0123';

/** Samples of a Prometheus text exposition: name, labels, value. */
function samples(text: string) {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of a metric's samples whose labels include `where`, over several expositions. */
const sum = (texts: string[], name: string, where: Record<string, string> = {}) =>
  texts.flatMap(samples).filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

/** The i-th number ending in `digit` (the simulator's behaviour by last digit, DESIGN.md). */
const number = (i: number, digit: number) => `+1628300${String(i * 10 + digit).padStart(4, '0')}`;

describe('metrics and logs after a run', { timeout: 600_000 }, () => {
  let cluster: Cluster;
  let dataDir: string;
  let workerPort: number;
  const headers = { authorization: `Bearer ${TOKEN}` };
  const scrapeApi = async () => (await fetch(`${cluster.apiUrl}/metrics`, { headers })).text();
  const scrapeWorker = async () => (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();

  // by the simulator's last digit: 7 listens, 6 presses 1, 4 presses 0, 1 busy, 2 no answer, 0 no such number, 3 a machine
  const people = [
    ...[0, 1, 2].map((i) => ({ phone: number(i, 7), outcome: 'answered' })),
    ...[3, 4].map((i) => ({ phone: number(i, 6), outcome: 'converted' })),
    ...[5, 6].map((i) => ({ phone: number(i, 4), outcome: 'opted-out' })),
    ...[7, 8].map((i) => ({ phone: number(i, 1), outcome: 'busy' })),
    ...[9, 10].map((i) => ({ phone: number(i, 2), outcome: 'no-answer' })),
    { phone: number(11, 0), outcome: 'invalid' },
    { phone: number(12, 3), outcome: 'machine' },
  ];
  const paused = number(13, 7);

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-metrics-'));
    workerPort = await freePort();
    cluster = await startCluster({ dataDir, timeScale: 0.05, log: () => {}, env: { LOG_FORMAT: 'json', REDIAL_WORKER_METRICS_PORT: String(workerPort), REDIAL_METRICS_TOKEN: TOKEN } });
  });
  after(async () => {
    await cluster?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the api and worker export the run: dials by outcome, line and campaign, refusals, SMS, opt-outs, latencies, state', async () => {
    const admin = { authorization: `Bearer ${cluster.adminKey}`, 'content-type': 'application/json' };
    const post = (p: string, body?: unknown) => fetch(`${cluster.apiUrl}${p}`, { method: 'POST', headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
    // one call each (the redial would come an hour later), and a text after an unanswered one
    const strategy = { maxAttempts: 2, redialDelaysMinutes: [60], jitterSeconds: 0, sms: { afterUnansweredCalls: 1, text: 'We tried to call you.' } };
    for (const id of ['metrics', 'paused']) assert.equal((await post('/v1/campaigns', { id, name: id, strategy })).status, 201);
    assert.equal((await post('/v1/campaigns/paused/pause')).status, 200);
    const zone = zoneAtLocalHour(12, Date.now());
    for (const p of people) assert.equal((await post('/v1/events', { type: 'lead.created', phone: p.phone, campaignId: 'metrics', contact: { timeZone: zone } })).status, 202);
    assert.equal((await post('/v1/events', { type: 'lead.created', phone: paused, campaignId: 'paused', contact: { timeZone: zone } })).status, 202);

    // every call ended, as the carrier saw it; then its texts went out and were reported
    const api = await eventually(async () => {
      const text = await scrapeApi();
      return sum([text, await scrapeWorker()], 'redial_dials_total') >= people.length ? text : null;
    }, 240_000, 'every dial to end');
    // the busy and unanswered ones get their text (a machine's may too)
    const outbound = () => cluster.sim.messages.filter((m) => m.direction === 'outbound-api');
    await eventually(async () => outbound().length >= 4 || null, 120_000, 'the texts after unanswered calls');
    await new Promise((r) => setTimeout(r, 5000));
    await cluster.sim.idle();
    const calls = [...cluster.sim.calls.values()];
    assert.equal(calls.length, people.length, 'one call per person (the redial is an hour away); none to the paused campaign');
    const texts = outbound();
    await eventually(async () => sum([await scrapeApi()], 'redial_sms_total', { outcome: 'delivered' }) + sum([await scrapeApi()], 'redial_sms_total', { outcome: 'undelivered' }) >= texts.filter((m) => m.status !== 'sent' && m.status !== 'queued').length || null, 60_000, 'the SMS status callbacks');
    await new Promise((r) => setTimeout(r, 6000)); // the state gauges are read at most every 5 s
    const both = [await scrapeApi(), await scrapeWorker()];
    void api;

    // dials: one per carrier call, by outcome, on the line and campaign that carried it
    assert.equal(sum(both, 'redial_dials_total'), calls.length);
    for (const outcome of new Set(people.map((p) => p.outcome))) {
      assert.equal(sum(both, 'redial_dials_total', { outcome, line: 'sim-standard', campaign: 'metrics' }), people.filter((p) => p.outcome === outcome).length, `dials ${outcome}`);
    }
    assert.equal(sum(both, 'redial_calls_placed_total', { line: 'sim-standard', campaign: 'metrics' }), calls.length);
    // the paused campaign's one event was refused at the gate (and asks again only in 5 minutes)
    assert.equal(sum(both, 'redial_refusals_total', { reason: 'campaign-paused', channel: 'call' }), 1);
    // SMS: what the carrier took, and what its callbacks said
    assert.equal(sum(both, 'redial_sms_total', { outcome: 'sent' }), texts.length, 'SMS sent = the carrier\'s outbound texts');
    assert.ok(texts.length >= 1, 'the unanswered calls were followed by a text');
    assert.equal(sum(both, 'redial_sms_total', { outcome: 'delivered' }), texts.filter((m) => m.status === 'delivered').length);
    assert.equal(sum(both, 'redial_opt_outs_total', { channel: 'dtmf' }), 2);
    assert.equal(sum(both, 'redial_opt_outs_total', { channel: 'sms' }), 0, 'a series that exists before anything happened');
    // latencies: every event was ingested and delivered; every follow-up's first call timed from its event
    assert.equal(sum(both, 'redial_event_ingest_seconds_count', { result: 'accepted' }), people.length + 1);
    assert.equal(sum(both, 'redial_inbox_delivery_seconds_count'), people.length + 1);
    assert.equal(sum(both, 'redial_event_to_first_dial_seconds_count', { campaign: 'metrics' }), people.length);
    assert.equal(sum(both, 'redial_dial_pacing_wait_seconds_count', { line: 'sim-standard' }), calls.length);
    // state, read from PostgreSQL by the api
    assert.equal(sum(both, 'redial_inbox_depth'), 0);
    assert.equal(sum(both, 'redial_line_window_calls', { line: 'sim-standard' }), calls.length);
    assert.equal(sum(both, 'redial_line_connect_rate', { line: 'sim-standard' }), 1, 'busy and no-answer are delivered; the invalid number is left out');
    assert.equal(sum(both, 'redial_line_state', { line: 'sim-standard', state: 'active' }), 1);
    assert.equal(sum(both, 'redial_line_cps_cap', { line: 'sim-standard' }), simulatorLines.find((l) => l.id === 'sim-standard')!.cps);
    assert.equal(sum(both, 'redial_incidents_open', { kind: 'interface' }), 0);
    assert.equal(sum(both, 'redial_state_up'), 1);
    // the worker: the disk its data lives on, and the Temporal SDK's own metrics
    const disk = sum([both[1]!], 'redial_disk_free_ratio', { volume: 'data' });
    assert.ok(disk > 0 && disk <= 1, `disk free ratio ${disk}`);
    assert.ok(samples(both[1]!).some((s) => s.name.startsWith('temporal_')), 'the Temporal SDK metrics are appended');

    // no number in clear, nor its digits, anywhere in them
    for (const text of both) {
      assert.deepEqual(unmaskedPhones(text), []);
      for (const p of [...people.map((x) => x.phone), paused]) assert.ok(!text.includes(p.slice(1)) && !text.includes(p.slice(-10)), 'no phone digits in a label');
    }

    // the scrape cost, for the README
    const time = async (scrape: () => Promise<string>) => {
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await scrape();
        ms.push(performance.now() - t);
      }
      return ms.sort((a, b) => a - b)[2]!.toFixed(1);
    };
    console.log(`# /metrics scrape (median of 5): api ${await time(scrapeApi)} ms (state gauges cached), worker ${await time(scrapeWorker)} ms (with the SDK's); sizes ${both.map((t) => t.length).join(' / ')} bytes`);
  });

  test('GET /metrics wants the scrape token or a viewer key', async () => {
    assert.equal((await fetch(`${cluster.apiUrl}/metrics`)).status, 401);
    assert.equal((await fetch(`${cluster.apiUrl}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status, 401);
    const viewer = await fetch(`${cluster.apiUrl}/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${cluster.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'grafana', role: 'viewer' }) });
    assert.equal(viewer.status, 201, await viewer.clone().text());
    const { key } = (await viewer.json()) as { key: string };
    const res = await fetch(`${cluster.apiUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  });

  test('every metric the dashboard and the alert rules read is exported', async () => {
    const texts = [await scrapeApi(), await scrapeWorker()];
    // a sample, or a declared metric that has none yet (the maintenance results before the first run)
    const exported = new Set(texts.flatMap(samples).map((s) => s.name));
    for (const t of texts) {
      for (const m of t.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(m[1]!);
        if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m[1]! + suffix);
      }
    }
    const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'ops/grafana/dashboards/redial.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const rules = parse(fs.readFileSync(path.join(root, 'ops/prometheus/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const queries = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
    ];
    assert.ok(queries.length >= 25, `${queries.length} queries`);
    const missing: string[] = [];
    for (const q of queries) {
      const names = [...q.expr.matchAll(/\b((?:redial|temporal|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
      assert.ok(names.length, `${q.where} names a metric`);
      for (const n of names) if (!exported.has(n)) missing.push(`${q.where}: ${n}`);
    }
    assert.deepEqual(missing, [], 'queried but not exported');
  });

  test('the api, worker and simulator log one JSON shape, with request ids, and no phone number in clear', async () => {
    const lines = (file: string) => fs.readFileSync(path.join(dataDir, file), 'utf8').split('\n').filter(Boolean);
    const entries: Array<Record<string, unknown>> = [];
    for (const file of ['api.log', 'worker.log']) {
      for (const line of lines(file)) {
        assert.deepEqual(unmaskedPhones(line), [], `${file}: a number in clear`);
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(line) as Record<string, unknown>;
        } catch {
          assert.fail(`${file}: not a JSON line: ${line.slice(0, 200)}`);
        }
        entries.push(e);
      }
    }
    // the simulator's own process, in the same shape
    const sim = spawn(process.execPath, ['--import', 'tsx', 'sim/main.ts'], { cwd: root, env: { ...process.env, LOG_FORMAT: 'json', SIM_PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<string>((resolve) => sim.stdout.once('data', (d: Buffer) => resolve(d.toString().split('\n')[0]!)));
    sim.kill('SIGTERM');
    entries.push(JSON.parse(first) as Record<string, unknown>);
    for (const e of entries) {
      assert.equal(typeof e.level, 'string');
      assert.ok(!Number.isNaN(Date.parse(String(e.time))), 'ISO time');
      assert.ok(['api', 'worker', 'sim'].includes(String(e.process)), `process ${String(e.process)}`);
      assert.equal(typeof e.msg, 'string');
    }
    for (const p of ['api', 'worker', 'sim']) assert.ok(entries.some((e) => e.process === p), `${p} logged`);
    // every request: its id, method, path, status, duration (the id also comes back in the response)
    const requests = entries.filter((e) => e.process === 'api' && e.msg === 'request');
    assert.ok(requests.some((e) => e.path === '/v1/events' && e.status === 202));
    assert.ok(requests.every((e) => typeof e.reqId === 'string' && typeof e.ms === 'number'));
    const res = await fetch(`${cluster.apiUrl}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
    assert.equal(res.headers.get('x-request-id'), 'probe-1');
    // Temporal's lines name their workflow and activity in our fields, not the SDK's
    assert.ok(!entries.some((e) => 'workflowRunId' in e || 'activityType' in e));
  });
});
