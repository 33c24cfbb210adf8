/** The attempts export is admin-only, complete, and safe against spreadsheet formula injection. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { newKey } from '../api/auth';
import { bootstrap } from '../api/bootstrap';
import { csvCell } from '../api/routes/exports';
import { upsertContact } from '../db/queries/contacts';
import { attempts } from '../db/schema';
import { simulatorLines } from '../sim/defaults';
import { freshDatabase, temporalAddress } from './helpers/env';

describe('GET /v1/exports/attempts.csv', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let app: ReturnType<typeof createApp>;
  const admin = newKey();
  before(async () => {
    database = await freshDatabase();
    await bootstrap(database.db, { adminKey: admin, lines: simulatorLines });
    app = createApp({ db: database.db, temporal: new Client({ connection: Connection.lazy({ address: temporalAddress() }) }), taskQueue: 't', publicUrl: 'http://127.0.0.1:1', defaultRegion: 'CN', tenant: 'default', log: () => {} });
  });
  after(async () => {
    await database?.close();
  });

  test('cells that a spreadsheet would run as formulas are neutralised', () => {
    assert.equal(csvCell('=HYPERLINK("http://evil","x")'), `"'=HYPERLINK(""http://evil"",""x"")"`);
    assert.deepEqual(['+1', '-2', '@SUM(A1)', '\tx', 'plain', 'a,b'].map(csvCell), ["'+1", "'-2", "'@SUM(A1)", "'\tx", 'plain', '"a,b"']);
  });

  test('exports every attempt across pages, with hostile names made safe', async () => {
    const c = await upsertContact(database.db, { tenant: 'default', phone: '+8613800138555', timeZone: 'Asia/Shanghai', name: '=cmd|" /C calc"!A0' }, true);
    await database.db.insert(attempts).values(
      Array.from({ length: 4500 }, (_, i) => ({ idempotencyKey: `k${i}`, contactId: c.id, campaignId: 'default', workflowId: 'wf', channel: 'call', strategyVersion: 1, localDay: '2027-06-10', status: 'completed', outcome: 'answered' })),
    );
    const res = await app.request('/v1/exports/attempts.csv', { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    assert.equal(lines.length, 4501);
    assert.ok(lines[1]!.includes(`"'=cmd|"" /C calc""!A0"`), lines[1]);
    assert.ok(!lines.slice(1).some((l) => /(^|,)=/.test(l)));
  });
});
