/**
 * The reports page in a real headless Chromium (Debian's chromium, driven by puppeteer-core), after
 * calls through the real stack (API → Temporal → worker → twilio client → simulator → signed
 * callbacks): the page asks for an API key once and keeps it for the tab's session, draws the
 * charts with the run's numbers and shows them in its tables (both equal GET /v1/reports/summary),
 * downloads a table as CSV with the same figures, and shows a contact's timeline with the number
 * masked. A viewer key reads it all; an unknown key is refused. A screenshot goes to
 * test-artifacts/, and the page's load time in Chromium is printed as a [figure] line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { readCsv } from '../api/csv';
import { unmaskedPhones } from '../domain/phone';
import type { SimCall } from '../sim/state';
import { artifactsDir, useBrowser, withoutChromium } from './helpers/browser';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

/** The browser globals the in-page checks use (the project compiles without the DOM library). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
declare const Chart: { getChart(canvas: Canvas): { data: { labels: string[]; datasets: Array<{ label: string; data: Array<number | null> }> } } | undefined };
declare const document: { body: { dataset: Record<string, string | undefined>; innerText: string } };
declare const window: { performance: { timeOrigin: number; getEntriesByType(type: 'navigation'): Array<{ domContentLoadedEventEnd: number }> } };

interface Metrics {
  attempted: number;
  optedOut: number;
  smsSent: number;
  talkTimeSec: number;
  avgTalkTimeSec: number | null;
  lineConnectRate: number | null;
  conversionRate: number | null;
  complaintRate: number | null;
  carrierFailures: number;
}
interface Report extends Metrics {
  byCampaign: Array<Metrics & { campaignId: string }>;
  byCampaignDay: Array<Metrics & { campaignId: string; day: string }>;
  byLine: Array<Metrics & { lineId: string | null; placed: number }>;
}

// the page's own formatting (api/reports-page/reports.js): what a person reads in a cell
const num = (n: number) => n.toLocaleString('en-US');
const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(1)}%`);
const secs = (s: number | null) => (s === null ? '–' : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s} s`);
const rate = (r: number | null) => (r === null ? null : Math.round(r * 1000) / 10);

/** Ten numbers per campaign, one for each of the simulator's outcome digits. */
const phones = (line: string) => Array.from({ length: 10 }, (_, d) => `+1415555${line}${d}`);
const UNANSWERED = (c: SimCall) => ['busy', 'no-answer'].includes(c.status) || (c.status === 'completed' && c.answeredBy !== 'human');

describe('the reports page in Chromium', { skip: withoutChromium }, () => {
  const sys = useSystem();
  const browser = useBrowser();
  const zone = afternoonZone();
  const campaigns = { 'page-calls': phones('020'), 'page-texts': phones('021') };
  const campaignOf = new Map(Object.entries(campaigns).flatMap(([id, list]) => list.map((p) => [p, id] as const)));
  let report: Report;
  /** The contact who pressed 1 (converted), whose timeline the page opens. */
  let contactId = '';

  const rendered = (page: Page) => page.waitForFunction(() => document.body.dataset.rendered, { timeout: 30_000 });
  const visible = (page: Page, selector: string) => page.$eval(selector, (e) => !(e as unknown as { hidden: boolean }).hidden);
  const cells = (page: Page, table: string) =>
    page.$$eval(`#table-${table} tbody tr`, (rows) => rows.map((r) => [...(r as unknown as { children: Array<{ textContent: string }> }).children].map((c) => c.textContent)));
  const signIn = async (page: Page, key: string) => {
    await page.goto(`${sys.apiUrl}/reports`, { waitUntil: 'domcontentloaded' });
    assert.ok(await visible(page, '#login'), 'the page asks for a key');
    await page.type('#key', key);
    await page.click('#login-form button[type=submit]');
  };

  test('calls run through the real stack', async () => {
    assert.equal((await sys.call('POST', '/v1/campaigns', { id: 'page-calls', name: 'Page: calls', strategy: { maxAttempts: 1 } })).status, 201);
    const texts = { maxAttempts: 2, redialDelaysMinutes: [1440], sms: { afterUnansweredCalls: 1, text: 'We tried to call you about your enquiry.' } };
    assert.equal((await sys.call('POST', '/v1/campaigns', { id: 'page-texts', name: 'Page: texts', strategy: texts })).status, 201);
    for (const [phone, campaignId] of campaignOf) {
      const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, campaignId, contact: { timeZone: zone } });
      assert.equal(res.status, 202, await res.text());
    }
    await eventually(
      async () => {
        const calls = [...sys.sim.calls.values()].filter((c) => campaignOf.has(c.to));
        if (calls.length < campaignOf.size || calls.some((c) => c.endedAt === null)) return false;
        const owed = calls.filter((c) => campaignOf.get(c.to) === 'page-texts' && UNANSWERED(c)).length;
        const [open] = await sys.sql`select count(*) filter (where channel = 'call' and ended_at is null)::int as calls, count(*) filter (where channel = 'sms' and provider_sid is not null)::int as texts from attempts`;
        return open!.calls === 0 && open!.texts === owed;
      },
      240_000,
      'every call finished and recorded, every text sent',
    );
    await sys.sim.idle();
    const res = await sys.call('GET', '/v1/reports/summary');
    assert.equal(res.status, 200);
    report = (await res.json()) as Report;
    assert.equal(report.attempted, campaignOf.size);
    assert.ok(report.smsSent > 0 && report.optedOut > 0 && report.talkTimeSec > 0, 'the run holds texts, opt-outs and talk time');
  });

  test('one key per session; the charts and tables show the run’s numbers; a table downloads as CSV; a contact’s timeline opens', async () => {
    const downloads = fs.mkdtempSync(path.join(artifactsDir, 'downloads-'));
    const { context, page } = await browser.session(downloads);
    try {
      await signIn(page, sys.adminKey);
      await rendered(page);
      assert.ok(await visible(page, '#reports'));
      // the key is kept for the tab's session: a reload does not ask again
      await page.reload({ waitUntil: 'domcontentloaded' });
      await rendered(page);
      assert.ok(!(await visible(page, '#login')), 'no second prompt after a reload');

      // the charts: drawn (pixels on every canvas), with the report's numbers
      for (const id of ['chart-campaign-days', 'chart-campaigns', 'chart-lines']) {
        const painted = await page.$eval(`#${id}`, (c) => {
          const canvas = c as unknown as Canvas;
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]) n++;
          return n;
        });
        assert.ok(painted > 1000, `${id} is drawn (${painted} pixels)`);
      }
      const chart = (id: string) =>
        page.$eval(`#${id}`, (c) => {
          const d = Chart.getChart(c as unknown as Canvas)!.data;
          return { labels: d.labels, datasets: d.datasets.map((s) => ({ label: s.label, data: s.data })) };
        });
      const days = [...new Set(report.byCampaignDay.map((r) => r.day))].sort();
      const perDay = await chart('chart-campaign-days');
      assert.deepEqual(perDay.labels, days);
      for (const id of Object.keys(campaigns)) {
        const bars = perDay.datasets.find((s) => s.label === `${id} attempts`)!;
        assert.deepEqual(bars.data, days.map((d) => report.byCampaignDay.find((r) => r.campaignId === id && r.day === d)?.attempted ?? 0), `${id} attempts per day`);
      }
      const perCampaign = await chart('chart-campaigns');
      assert.deepEqual(perCampaign.labels, report.byCampaign.map((r) => r.campaignId));
      for (const [label, field] of [['connect %', 'lineConnectRate'], ['conversion %', 'conversionRate'], ['complaint %', 'complaintRate']] as const)
        assert.deepEqual(perCampaign.datasets.find((s) => s.label === label)!.data, report.byCampaign.map((r) => rate(r[field])), label);
      const lines = await chart('chart-lines');
      for (const l of report.byLine.filter((x) => x.placed > 0)) {
        const failures = lines.datasets.find((s) => s.label === `${l.lineId ?? '(none)'} failures`);
        assert.ok(failures, `line ${l.lineId} charted`);
        assert.equal(failures.data.reduce((s: number, v) => s + (v ?? 0), 0), l.carrierFailures, `line ${l.lineId} failures over time`);
      }

      // the totals and the table beside the chart, cell by cell as a person reads them
      const totals = Object.fromEntries(await page.$$eval('#totals .card', (cs) => cs.map((c) => [(c as unknown as { dataset: { metric: string } }).dataset.metric, (c as unknown as { firstChild: { textContent: string } }).firstChild.textContent])));
      assert.deepEqual(totals, {
        attempts: num(report.attempted),
        'connect rate': pct(report.lineConnectRate),
        conversion: pct(report.conversionRate),
        'avg talk time': secs(report.avgTalkTimeSec),
        'total talk time': secs(report.talkTimeSec),
        'SMS sent': num(report.smsSent),
        'opt-outs': num(report.optedOut),
        'complaint rate': pct(report.complaintRate),
      });
      const row = (r: Metrics) => [num(r.attempted), pct(r.lineConnectRate), pct(r.conversionRate), secs(r.avgTalkTimeSec), secs(r.talkTimeSec), num(r.smsSent), num(r.optedOut), pct(r.complaintRate)];
      assert.deepEqual(await cells(page, 'campaigns'), report.byCampaign.map((r) => [r.campaignId, ...row(r)]));
      assert.deepEqual(await cells(page, 'campaign-days'), report.byCampaignDay.map((r) => [r.campaignId, r.day, ...row(r)]));

      // a table downloads as CSV, with the same figures (raw)
      await page.click('[data-csv="campaign-days"]');
      const file = path.join(downloads, 'redial-campaign-days.csv');
      await eventually(async () => fs.existsSync(file), 20_000, 'the CSV download');
      const text = fs.readFileSync(file, 'utf8');
      const csv: string[][] = [];
      for await (const { fields } of readCsv((async function* () {
        yield text;
      })())) csv.push(fields);
      const [head, ...rows] = csv;
      const col = (name: string) => head!.indexOf(name);
      assert.deepEqual(
        rows.map((r) => [r[col('campaign_id')], r[col('day')], Number(r[col('attempts')]), Number(r[col('sms_sent')]), Number(r[col('opted_out')]), Number(r[col('talk_time_sec')]), r[col('connect_rate')]]),
        report.byCampaignDay.map((r) => [r.campaignId, r.day, r.attempted, r.smsSent, r.optedOut, r.talkTimeSec, r.lineConnectRate === null ? '' : String(r.lineConnectRate)]),
      );

      // how long the page takes in Chromium: navigation → the report's charts drawn (the key already held)
      const loads: Array<{ drawn: number; dcl: number }> = [];
      for (let i = 0; i < 5; i++) {
        await page.reload({ waitUntil: 'domcontentloaded' });
        await rendered(page);
        loads.push(await page.evaluate(() => ({ drawn: Number(document.body.dataset.rendered) - window.performance.timeOrigin, dcl: window.performance.getEntriesByType('navigation')[0]!.domContentLoadedEventEnd })));
      }
      const drawn = loads.map((l) => l.drawn).sort((a, b) => a - b);
      const dcl = loads.map((l) => l.dcl).sort((a, b) => a - b);
      console.log(`[figure] reports page in headless Chromium: charts and tables drawn ${drawn[2]!.toFixed(0)} ms after navigation (p50 of 5, max ${drawn[4]!.toFixed(0)} ms; DOMContentLoaded p50 ${dcl[2]!.toFixed(0)} ms) for ${report.attempted} attempts`);

      // a contact's timeline: why the number was called (the one who pressed 1), number masked
      const phone = campaigns['page-calls'][6]!;
      const found = await sys.call('GET', `/v1/contacts/lookup?phone=${encodeURIComponent(phone)}`);
      assert.equal(found.status, 200);
      ({ contactId } = (await found.json()) as { contactId: string });
      const api = (await (await sys.call('GET', `/v1/contacts/${contactId}/timeline`)).json()) as { entries: Array<{ kind: string }> };
      await page.type('#contact-id', contactId);
      await page.click('#contact-form button[type=submit]');
      await page.waitForFunction(() => document.body.dataset.timeline, { timeout: 30_000 });
      const kinds = await page.$$eval('#timeline li', (lis) => lis.map((li) => (li as unknown as { className: string }).className));
      assert.deepEqual(kinds, api.entries.map((e) => e.kind), 'the page lists the timeline’s entries in order');
      for (const k of ['event', 'granted', 'call']) assert.ok(kinds.includes(k), `an entry of kind ${k}`);
      const head2 = await page.$eval('#contact-head', (e) => (e as unknown as { textContent: string }).textContent);
      assert.match(head2, /\+1 415\*{4}0206/, 'the number, masked');
      assert.deepEqual(unmaskedPhones(await page.evaluate(() => document.body.innerText)), [], 'no phone number in clear on the page');
      assert.ok(page.url().endsWith(`#contact=${contactId}`), 'the timeline has its own address');
      await page.screenshot({ path: path.join(artifactsDir, 'reports-page.png'), fullPage: true });
      console.log(`screenshot saved: ${path.relative(process.cwd(), path.join(artifactsDir, 'reports-page.png'))}`);
    } finally {
      await context.close();
      fs.rmSync(downloads, { recursive: true, force: true });
    }
  });

  test('a viewer key reads the page; an unknown key is refused; a new session asks again', async () => {
    const created = await sys.call('POST', '/v1/keys', { name: 'page viewer', role: 'viewer' });
    assert.equal(created.status, 201);
    const { key } = (await created.json()) as { key: string };
    const { context, page } = await browser.session();
    try {
      // a new browser session holds no key: it asks; an unknown key is refused with a reason
      await signIn(page, 'rdl_not-a-key');
      await page.waitForFunction(() => document.body.innerText.includes('unknown or revoked'), { timeout: 30_000 });
      assert.ok(await visible(page, '#login'));
      await page.type('#key', key);
      await page.click('#login-form button[type=submit]');
      await rendered(page);
      assert.equal(await page.$eval('#totals [data-metric="attempts"] b', (e) => (e as unknown as { textContent: string }).textContent), num(report.attempted));
      assert.equal(await page.$eval('#error', (e) => (e as unknown as { textContent: string }).textContent), '', 'no error for a viewer');
      // and a contact's timeline
      await page.type('#contact-id', contactId);
      await page.click('#contact-form button[type=submit]');
      await page.waitForFunction(() => document.body.dataset.timeline, { timeout: 30_000 });
      assert.match(await page.$eval('#contact-head', (e) => (e as unknown as { textContent: string }).textContent), /\+1 415\*{4}0206/);
    } finally {
      await context.close();
    }
  });
});
