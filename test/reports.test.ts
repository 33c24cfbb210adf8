/**
 * The reports' data, tables and page on known rows: talk time, complaint rate, SMS sent and every
 * grouping computed from seeded attempts; each table as formula-safe CSV for a viewer key; the
 * /reports page and its assets served without a CDN; and a contact's timeline (JSON) that says why
 * the number was called and why not, with the number masked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attempts, complianceLog, inboxEvents } from '../db/schema';
import { addOptOut, upsertContact } from '../db/queries/contacts';
import { unmaskedPhones } from '../domain/phone';
import { readCsv } from '../api/csv';
import { useApi } from './helpers/api';

const H = 3_600_000;

describe('reports: data, CSV, page and contact timeline', () => {
  const api = useApi();
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo);
  let contactId = '';

  const seed = async () => {
    const c = await upsertContact(api.db, { tenant: 'default', phone: '+14155550188', timeZone: 'UTC' }, true);
    contactId = c.id;
    const base = { contactId: c.id, workflowId: 'cadence:default:x', strategyVersion: 2 };
    let n = 0;
    const row = (campaignId: string, day: string, reservedMsAgo: number, r: Partial<typeof attempts.$inferInsert>) => ({ ...base, idempotencyKey: `k${n++}`, campaignId, localDay: day, channel: 'call', reservedAt: at(reservedMsAgo), placedAt: at(reservedMsAgo - 1000), endedAt: at(reservedMsAgo - 60_000), ...r });
    await api.db.insert(attempts).values([
      // spring, day 1: two people answered (40 s and 80 s), one converted, one opted out; a machine (30 s, not talk time); an invalid number
      row('spring', '2026-12-01', 5 * H, { lineId: 'sim-standard', providerSid: 'CA1', status: 'completed', answeredBy: 'human', durationSec: 40, outcome: 'converted' }),
      row('spring', '2026-12-01', 5 * H, { lineId: 'sim-standard', providerSid: 'CA2', status: 'completed', answeredBy: 'human', durationSec: 80, outcome: 'opted-out' }),
      row('spring', '2026-12-01', 4 * H, { lineId: 'sim-standard', providerSid: 'CA3', status: 'completed', answeredBy: 'machine_start', durationSec: 30, outcome: 'machine' }),
      row('spring', '2026-12-01', 4 * H, { lineId: 'sim-premium', providerSid: 'CA4', status: 'failed', sipResponseCode: 404, outcome: 'invalid' }),
      // spring, day 2: a busy line, a carrier failure and a text the carrier accepted
      row('spring', '2026-12-02', 2 * H, { lineId: 'sim-premium', providerSid: 'CA5', status: 'busy', outcome: 'busy' }),
      row('spring', '2026-12-02', 2 * H, { lineId: 'sim-premium', status: 'carrier-failed', outcome: 'carrier-failure' }),
      row('spring', '2026-12-02', 2 * H, { channel: 'sms', lineId: 'sim-premium', providerSid: 'SM1', status: 'delivered', outcome: 'sms-delivered' }),
      // another campaign, with a formula for a name
      row('=cmd', '2026-12-02', 1 * H, { lineId: 'sim-standard', providerSid: 'CA6', status: 'completed', answeredBy: 'human', durationSec: 12, outcome: 'answered' }),
      // outside the window, and Redial's own test traffic: in no figure
      row('spring', '2026-11-20', 300 * H, { lineId: 'sim-standard', providerSid: 'CA7', status: 'completed', answeredBy: 'human', durationSec: 999, outcome: 'answered' }),
      row('__selfcheck', '2026-12-02', 1 * H, { lineId: 'sim-standard', providerSid: 'CA8', status: 'completed', answeredBy: 'human', durationSec: 999, outcome: 'opted-out' }),
    ]);
    await api.db.insert(complianceLog).values({ idempotencyKey: 'r1', contactId: c.id, campaignId: 'spring', workflowId: base.workflowId, channel: 'call', reason: 'quiet-hours', strategyVersion: 2, detail: { localDay: '2026-12-02' }, createdAt: at(3 * H) });
    await api.db.insert(inboxEvents).values({ tenant: 'default', eventId: 'e1', contactId: c.id, campaignId: 'spring', type: 'lead.created', occurredAt: at(6 * H), strategyVersion: 2, workflowId: base.workflowId, payload: {} as never, state: 'delivered', createdAt: at(6 * H), deliveredAt: at(6 * H) });
    await addOptOut(api.db, 'default', '+14155550188', 'dtmf');
  };

  const window = `from=${encodeURIComponent(at(24 * H).toISOString())}&to=${encodeURIComponent(at(0).toISOString())}`;

  test('talk time, complaint rate, SMS sent, per campaign and day, per line over time', async () => {
    await seed();
    const res = await api.req('viewer', 'GET', `/v1/reports/summary?${window}`);
    assert.equal(res.status, 200, await res.clone().text());
    const r = (await res.json()) as Record<string, unknown> & { byCampaign: Array<Record<string, unknown>>; byCampaignDay: Array<Record<string, unknown>>; byLineOverTime: { bucket: string; points: Array<Record<string, unknown>> }; byLine: Array<Record<string, unknown>> };
    assert.deepEqual(
      [r.attempted, r.placed, r.answered, r.converted, r.optedOut, r.invalid, r.carrierFailures, r.smsSent, r.talkTimeSec],
      [7, 7, 3, 1, 1, 1, 1, 1, 132],
    );
    assert.equal(r.avgTalkTimeSec, 44);
    assert.equal(r.complaintRate, 0.3333);
    const spring = r.byCampaign.find((c) => c.campaignId === 'spring')!;
    assert.deepEqual([spring.attempted, spring.talkTimeSec, spring.avgTalkTimeSec, spring.complaintRate, spring.conversionRate, spring.smsSent], [6, 120, 60, 0.5, 0.5, 1]);
    const days = r.byCampaignDay.filter((c) => c.campaignId === 'spring').map((c) => [c.day, c.attempted, c.answered, c.smsSent, c.lineConnectRate]);
    assert.deepEqual(days, [
      ['2026-12-01', 4, 2, 0, 1],
      ['2026-12-02', 2, 0, 1, 0.5],
    ]);
    assert.equal(r.byLineOverTime.bucket, 'hour');
    const premium = r.byLineOverTime.points.filter((p) => p.lineId === 'sim-premium').map((p) => [p.placed, p.carrierFailures, p.smsSent]);
    assert.deepEqual(premium, [
      [1, 0, 0],
      [2, 1, 1],
    ]);
    assert.deepEqual(r.byLine.map((l) => [l.lineId, l.attempted]), [['sim-premium', 3], ['sim-standard', 4]]);
    // a month's window: the line series is daily
    const month = (await (await api.req('viewer', 'GET', `/v1/reports/summary?from=${encodeURIComponent(at(720 * H).toISOString())}`)).json()) as { attempted: number; byLineOverTime: { bucket: string } };
    assert.deepEqual([month.attempted, month.byLineOverTime.bucket], [8, 'day']);
  });

  test('each table downloads as CSV for a viewer key, formula-safe', async () => {
    const res = await api.req('viewer', 'GET', `/v1/reports/summary.csv?table=campaign-days&${window}`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('content-type')!, /^text\/csv/);
    assert.match(res.headers.get('content-disposition')!, /redial-campaign-days\.csv/);
    const rows: string[][] = [];
    const text = await res.text();
    for await (const { fields } of readCsv((async function* () {
      yield text;
    })())) rows.push(fields);
    assert.deepEqual(rows[0]!.slice(0, 3), ['campaign_id', 'day', 'attempts']);
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[2]]), [
      ["'=cmd", '2026-12-02', '1'],
      ['spring', '2026-12-01', '4'],
      ['spring', '2026-12-02', '2'],
    ]);
    const talk = rows[0]!.indexOf('talk_time_sec');
    assert.equal(rows[2]![talk], '120');
    for (const table of ['campaigns', 'lines', 'line-series', 'days']) assert.equal((await api.req('viewer', 'GET', `/v1/reports/summary.csv?table=${table}&${window}`)).status, 200, table);
    assert.equal((await api.req('viewer', 'GET', '/v1/reports/summary.csv?table=contacts')).status, 400);
    assert.equal((await api.req(null, 'GET', '/v1/reports/summary.csv?table=campaigns')).status, 401);
  });

  test('the page and Chart.js are served by the API itself; the data needs a key', async () => {
    const page = await api.app.request('/reports');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    const html = await page.text();
    assert.match(html, /\/reports\/assets\/chart\.umd\.min\.js/);
    const chart = await api.app.request('/reports/assets/chart.umd.min.js');
    assert.equal(chart.status, 200);
    assert.match(await chart.text(), /Chart/);
    assert.equal((await api.app.request('/reports/assets/reports.js')).status, 200);
    assert.equal((await api.app.request('/reports/assets/..%2Fpackage.json')).status, 404);
    assert.equal((await api.req(null, 'GET', '/v1/reports/summary')).status, 401);
  });

  test('a contact’s timeline says why the number was called and why not, number masked', async () => {
    const res = await api.req('viewer', 'GET', `/v1/contacts/${contactId}/timeline`);
    assert.equal(res.status, 200, await res.clone().text());
    const text = await res.clone().text();
    assert.deepEqual(unmaskedPhones(text), [], 'no number in clear');
    const t = (await res.json()) as { contact: { phone: string }; entries: Array<{ kind: string; source: string; summary: string; strategyVersion: number | null; at: string }>; errors: string[] };
    assert.equal(t.contact.phone, '+1 415****0188');
    assert.deepEqual(t.errors, []);
    const kinds = t.entries.map((e) => e.kind);
    for (const k of ['event', 'granted', 'call', 'sms', 'refused', 'opt-out']) assert.ok(kinds.includes(k), `an entry of kind ${k}`);
    const refused = t.entries.find((e) => e.kind === 'refused')!;
    assert.match(refused.summary, /quiet-hours/);
    assert.equal(refused.strategyVersion, 2);
    assert.match(t.entries.find((e) => e.kind === 'event')!.summary, /lead\.created .*strategy v2/);
    assert.ok(t.entries.find((e) => e.kind === 'call' && /converted/.test(e.summary)));
    const times = t.entries.map((e) => e.at);
    assert.deepEqual(times, [...times].sort(), 'in time order');
    assert.equal((await api.req('viewer', 'GET', '/v1/contacts/00000000-0000-4000-8000-000000000000/timeline')).status, 404);
    assert.equal((await api.req(null, 'GET', `/v1/contacts/${contactId}/timeline`)).status, 401);
  });
});
