/** The attempts export is admin-only, complete, and safe against spreadsheet formula injection. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvCell } from '../api/csv';
import { upsertContact } from '../db/queries/contacts';
import { attempts } from '../db/schema';
import { useApi } from './helpers/api';

describe('GET /v1/exports/attempts.csv', () => {
  const api = useApi();

  test('cells that a spreadsheet would run as formulas are neutralised', () => {
    assert.equal(csvCell('=HYPERLINK("http://evil","x")'), `"'=HYPERLINK(""http://evil"",""x"")"`);
    assert.deepEqual(['+1', '-2', '@SUM(A1)', '\tx', 'plain', 'a,b'].map(csvCell), ["'+1", "'-2", "'@SUM(A1)", "'\tx", 'plain', '"a,b"']);
  });

  test('…also after leading whitespace or a line feed, which spreadsheets trim', () => {
    // every trigger after every kind of leading blank a spreadsheet may strip
    for (const lead of [' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', ' \n ']) {
      for (const trigger of ['=', '+', '-', '@']) {
        const cell = csvCell(`${lead}${trigger}HYPERLINK("http://evil")`);
        const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
        assert.ok(unquoted.startsWith("'"), `${JSON.stringify(lead + trigger)} → ${JSON.stringify(cell)}`);
      }
    }
    // a lone CR or LF first is neutralised too; ordinary text with spaces is left alone
    assert.equal(csvCell('\rx'), `"'\rx"`);
    assert.equal(csvCell('\nx'), `"'\nx"`);
    assert.deepEqual([' Li Lei', 'Li = Lei', 'a-b', '  plain'].map(csvCell), [' Li Lei', 'Li = Lei', 'a-b', '  plain']);
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
