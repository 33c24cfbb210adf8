/** The attempts export is admin-only, complete, and safe against spreadsheet formula injection. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvCell } from '../api/routes/exports';
import { upsertContact } from '../db/queries/contacts';
import { attempts } from '../db/schema';
import { useApi } from './helpers/api';

describe('GET /v1/exports/attempts.csv', () => {
  const api = useApi();

  test('cells that a spreadsheet would run as formulas are neutralised', () => {
    assert.equal(csvCell('=HYPERLINK("http://evil","x")'), `"'=HYPERLINK(""http://evil"",""x"")"`);
    assert.deepEqual(['+1', '-2', '@SUM(A1)', '\tx', 'plain', 'a,b'].map(csvCell), ["'+1", "'-2", "'@SUM(A1)", "'\tx", 'plain', '"a,b"']);
  });

  test('exports every attempt across pages, with hostile names made safe', async () => {
    const c = await upsertContact(api.db, { tenant: 'default', phone: '+8613800138555', timeZone: 'Asia/Shanghai', name: '=cmd|" /C calc"!A0' }, true);
    await api.db.insert(attempts).values(
      Array.from({ length: 4500 }, (_, i) => ({ idempotencyKey: `k${i}`, contactId: c.id, campaignId: 'default', workflowId: 'wf', channel: 'call', strategyVersion: 1, localDay: '2027-06-10', status: 'completed', outcome: 'answered' })),
    );
    const res = await api.req('admin', 'GET', '/v1/exports/attempts.csv');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    assert.equal(lines.length, 4501);
    assert.ok(lines[1]!.includes(`"'=cmd|"" /C calc""!A0"`), lines[1]);
    assert.ok(!lines.slice(1).some((l) => /(^|,)=/.test(l)));
  });
});
