/** Contact import against real PostgreSQL: edge cases, all-or-nothing, partial, idempotent re-import, 100,000 rows. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { useApi, type Role } from './helpers/api';

type Report = { written: boolean; rows: number; valid: number; created: number; updated: number; unchanged: number; invalid: number; duplicates: number; rejected: Array<{ row: number; reason: string }> };

describe('POST /v1/contacts/import', () => {
  const api = useApi();
  const csv = (body: string | Uint8Array, query = '', role: Role = 'operator') =>
    api.app.request(`/v1/contacts/import${query}`, { method: 'POST', headers: { authorization: `Bearer ${api.keys[role]}`, 'content-type': 'text/csv' }, body });
  const count = async () => Number((await api.db.execute<{ n: number }>(sql`select count(*)::int as n from contacts`))[0]!.n);

  test('a mix of valid, invalid and duplicate rows: all-or-nothing writes nothing and says why, row by row', async () => {
    const file = ['phone,name,timeZone,tags', '138 0013 8000,"Li, Lei",,vip;high-value', '+86 138-0013-8000,dup,,', '12345,bad,,', '+14155550123,Ann,Mars/Olympus,', '+14155550124,"Bob ""B""",America/Chicago,'].join('\r\n');
    const res = await csv(file);
    assert.equal(res.status, 422, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const p = (await res.json()) as { code: string; detail: string; report: Report };
    assert.equal(p.code, 'import_rejected');
    const r = p.report;
    assert.deepEqual([r.written, r.rows, r.valid, r.invalid, r.duplicates], [false, 5, 2, 2, 1]);
    assert.deepEqual(r.rejected.map((x) => x.row), [2, 3, 4]);
    assert.match(r.rejected.find((x) => x.row === 4)!.reason, /IANA/);
    assert.equal(await count(), 0, 'nothing half-written');

    const partial = (await (await csv(file, '?mode=partial')).json()) as Report;
    assert.deepEqual([partial.written, partial.created, partial.invalid, partial.duplicates], [true, 2, 2, 1]);
    const rows = await api.sql`select phone, name, time_zone, tags from contacts order by phone`;
    assert.deepEqual(rows.map((r) => [r.phone, r.name, r.time_zone]), [
      ['+14155550124', 'Bob "B"', 'America/Chicago'],
      ['+8613800138000', 'Li, Lei', 'Asia/Shanghai'],
    ]);
    assert.deepEqual(rows[1]!.tags, ['vip', 'high-value']);
  });

  test('re-importing the same file changes nothing; a BOM, blank lines and JSON work too', async () => {
    const file = '\uFEFFphone,name\n+8613900139000,Wang\n\n+8613900139001,Zhao\n';
    const first = (await (await csv(file)).json()) as Report;
    assert.deepEqual([first.created, first.updated], [2, 0]);
    const stamp = await api.sql`select updated_at from contacts where phone = '+8613900139000'`;
    const again = (await (await csv(file)).json()) as Report;
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 2]);
    assert.deepEqual(await api.sql`select updated_at from contacts where phone = '+8613900139000'`, stamp);
    const json = await api.app.request('/v1/contacts/import', { method: 'POST', headers: { authorization: `Bearer ${api.keys.operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ rows: [{ phone: '+8613900139000', name: 'Wang Wu' }] }) });
    assert.deepEqual(((await json.json()) as Report).updated, 1);
  });

  test('bad files get a clear 4xx: empty, no phone column, unknown column, unterminated quote, not UTF-8, wrong type, viewer', async () => {
    const code = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];
    assert.deepEqual(await code(await csv('')), [400, 'malformed_body']);
    assert.deepEqual(await code(await csv('phone\n')), [400, 'malformed_body']);
    assert.deepEqual(await code(await csv('name\nLi')), [400, 'malformed_body']);
    assert.deepEqual(await code(await csv('phone,colour\n+8613800138000,red')), [400, 'malformed_body']);
    assert.deepEqual(await code(await csv('phone,name\n+8613800138000,"Li')), [400, 'malformed_body']);
    assert.deepEqual(await code(await csv(new Uint8Array([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xff, 0xfe]))), [400, 'malformed_body']);
    assert.deepEqual(await code(await api.app.request('/v1/contacts/import', { method: 'POST', headers: { authorization: `Bearer ${api.keys.operator}`, 'content-type': 'text/plain' }, body: 'x' })), [415, 'unsupported_media_type']);
    assert.deepEqual(await code(await csv('phone\n+8613800138000', '', 'viewer')), [403, 'forbidden']);
  });

  test('100,000 rows import in one request', async () => {
    const lines = ['phone,tags'];
    for (let i = 0; i < 100_000; i++) lines.push(`+1415${200 + Math.floor(i / 10_000)}${String(i % 10_000).padStart(4, '0')},bulk`);
    const started = performance.now();
    const res = await csv(lines.join('\n'));
    const r = (await res.json()) as Report;
    assert.equal(res.status, 200, JSON.stringify(r).slice(0, 300));
    assert.deepEqual([r.rows, r.created, r.invalid], [100_000, 100_000, 0]);
    assert.ok(performance.now() - started < 120_000);
  });
});
