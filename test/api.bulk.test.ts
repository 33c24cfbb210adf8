/**
 * Bulk control on the real system: an import enrols its rows into a campaign (with progress),
 * re-importing enrols nobody twice, and cancelling the campaign ends every cadence's follow-up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { uid } from './helpers/env';
import { eventually, startSystem, type System } from './helpers/system';

type ImportView = { status: string; toEnrol: number; enrolled: number; skipped: number; progress: number };
type ContactView = { cadence: { followUps: Array<{ campaignId: string; status: string; endReason: string | null }> } | null };

describe('bulk: import into a campaign, cancel the campaign', () => {
  let sys: System;
  const campaign = `bulk-${uid()}`;
  const phones = Array.from({ length: 30 }, (_, i) => `+1415555${String(1000 + i)}`);
  const file = ['phone,timeZone', ...phones.map((p) => `${p},America/New_York`), '12345,'].join('\n');
  const importCsv = (query: string) =>
    fetch(`${sys.apiUrl}/v1/contacts/import${query}`, { method: 'POST', headers: { authorization: `Bearer ${sys.adminKey}`, 'content-type': 'text/csv' }, body: file });
  const running = async () => {
    let n = 0;
    for await (const _ of sys.temporal.workflow.list({ query: `RedialCampaign = '${campaign}' AND ExecutionStatus = 'Running'` })) n++;
    return n;
  };
  const contactIds = async () => (await sys.sql`select id from contacts where phone = any(${phones})`).map((r) => r.id as string);

  before(async () => {
    sys = await startSystem();
    // the first call would be 10 hours out: the test sees cadences waiting, never dialling
    const res = await sys.call('POST', '/v1/campaigns', { id: campaign, name: 'Bulk', strategy: { firstContactAfterMinutes: { 'lead.created': 600 } } });
    assert.equal(res.status, 201, await res.text());
  });
  after(async () => {
    await sys?.stop();
  });

  test('an import with ?campaignId enrols every valid row, and its progress reaches 100%', async () => {
    const res = await importCsv(`?mode=partial&campaignId=${campaign}`);
    assert.equal(res.status, 200, await res.clone().text());
    const report = (await res.json()) as { importId: string; invalid: number; enrolment: { toEnrol: number; workflowId: string; campaignIds: string[] } };
    assert.equal(report.invalid, 1);
    assert.equal(report.enrolment.toEnrol, 30);
    assert.deepEqual(report.enrolment.campaignIds, [campaign]);
    assert.equal(res.headers.get('location'), `/v1/imports/${report.importId}`);
    const done = await eventually(async () => {
      const v = (await (await sys.call('GET', `/v1/imports/${report.importId}`)).json()) as ImportView;
      return v.status === 'done' ? v : null;
    }, 30_000, 'the enrolment to finish');
    assert.deepEqual([done.enrolled, done.skipped, done.progress], [30, 0, 1]);
    await eventually(async () => (await running()) === 30, 20_000, 'visibility to list 30 cadences in the campaign');
  });

  test('a row naming an unknown campaign is a rejected row, and nothing is written', async () => {
    const res = await sys.call('POST', '/v1/contacts/import', { rows: [{ phone: '+14155559001', campaignId: campaign }, { phone: '+14155559002', campaignId: 'no-such' }] });
    assert.equal(res.status, 422);
    const p = (await res.json()) as { report: { rejected: Array<{ row: number; reason: string }> } };
    assert.deepEqual(p.report.rejected.map((r) => [r.row, r.reason]), [[2, 'no campaign "no-such"']]);
    assert.equal((await sys.sql`select 1 from contacts where phone = '+14155559001'`).length, 0);
  });

  test('importing the same file again enrols nobody twice', async () => {
    const res = await importCsv(`?mode=partial&campaignId=${campaign}`);
    const { importId } = (await res.json()) as { importId: string };
    await eventually(async () => ((await (await sys.call('GET', `/v1/imports/${importId}`)).json()) as ImportView).status === 'done', 30_000, 'the second enrolment');
    for (const id of (await contactIds()).slice(0, 5)) {
      // the cadence's state is read by a query: null while a loaded worker has not answered it yet
      const v = await eventually(async () => {
        const c = (await (await sys.call('GET', `/v1/contacts/${id}`)).json()) as ContactView;
        return c.cadence ? c : null;
      }, 30_000, 'the cadence state');
      assert.equal(v.cadence!.followUps.filter((f) => f.campaignId === campaign).length, 1, 'one follow-up per contact and campaign');
    }
  });

  test('cancelling the campaign ends every follow-up now; cancelled is final and takes no new work', async () => {
    const res = await sys.call('POST', `/v1/campaigns/${campaign}/cancel`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { status: string }).status, 'cancelled');
    assert.equal((await sys.call('POST', `/v1/campaigns/${campaign}/cancel`)).status, 200, 'cancelling again is harmless');
    const ids = await contactIds();
    await eventually(async () => {
      for (const id of ids) {
        const v = (await (await sys.call('GET', `/v1/contacts/${id}`)).json()) as ContactView;
        const f = v.cadence?.followUps.find((x) => x.campaignId === campaign);
        if (!f || f.status !== 'stopped' || f.endReason !== 'cancelled') return false;
      }
      return true;
    }, 30_000, 'every follow-up to be cancelled');
    await eventually(async () => (await running()) === 0, 20_000, 'visibility to list no cadence in the campaign');

    const resume = await sys.call('POST', `/v1/campaigns/${campaign}/resume`);
    assert.equal(resume.status, 409);
    assert.equal(((await resume.json()) as { code: string }).code, 'conflict');
    assert.equal((await sys.call('POST', '/v1/events', { type: 'lead.created', phone: phones[0], campaignId: campaign })).status, 409);
    assert.equal((await importCsv(`?mode=partial&campaignId=${campaign}`)).status, 409);
    const audit = await sys.sql`select action from audit_log where target = ${campaign} order by id`;
    assert.ok(audit.some((r) => r.action === 'campaign.cancel'));
  });
});
