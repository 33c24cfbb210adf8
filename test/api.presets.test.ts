/**
 * Industry presets, sensitive words and the link check at save, on the real app and PostgreSQL:
 * a campaign from each preset, overrides merged, wording refused with each phrase named, operator
 * words versioned and audited, dead links flagged with ops alerted.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { strategySchema } from '../domain/strategy';
import { PRESET_INDUSTRIES } from '../domain/presets';
import { useApi, type Api } from './helpers/api';
import { testLinkProbe, useLinkServer } from './helpers/link-server';

type Problem = { code: string; detail: string; errors: Array<{ path: string; message: string }> };
type Campaign = { id: string; industry: string; strategy: Record<string, unknown> & { sms: { text: string; afterUnansweredCalls: number } | null; preset: { industry: string; version: number } | null }; deadLinks: Array<{ url: string; path: string; problem: string }> };

describe('industry presets', () => {
  const api = useApi({ linkProbe: testLinkProbe });
  const links = useLinkServer();
  const req: Api['req'] = (...args) => api.req(...args);

  test('GET /v1/presets lists the four industries, each a valid, versioned, documented strategy', async () => {
    const res = await req('viewer', 'GET', '/v1/presets');
    assert.equal(res.status, 200);
    const { presets } = (await res.json()) as { presets: Array<{ industry: string; version: number; description: string; rules: unknown[]; checklist: unknown[]; strategy: unknown }> };
    assert.deepEqual(presets.map((p) => p.industry).sort(), [...PRESET_INDUSTRIES].sort());
    for (const p of presets) {
      assert.ok(p.version >= 1 && p.description.length > 40 && p.rules.length && p.checklist.length, p.industry);
      assert.ok(strategySchema.safeParse(p.strategy).success, `${p.industry}: the schema accepts it`);
    }
    const local = presets.find((p) => p.industry === 'local-services')!.strategy as { blockedWindows: unknown };
    assert.deepEqual(local.blockedWindows, [{ start: '11:00', end: '13:00' }, { start: '17:00', end: '19:00' }]);
  });

  test('every preset creates a working campaign of its industry; the placeholder links are checked at once', async () => {
    for (const preset of PRESET_INDUSTRIES) {
      const res = await req('admin', 'POST', '/v1/campaigns', { id: `p-${preset}`, name: preset, preset });
      assert.equal(res.status, 201, await res.clone().text());
      const c = (await res.json()) as Campaign;
      assert.equal(c.industry, preset);
      assert.deepEqual(c.strategy.preset, { industry: preset, version: 1 });
    }
    const fin = (await (await req('viewer', 'GET', '/v1/campaigns/p-finance')).json()) as Campaign;
    assert.deepEqual(fin.strategy.recording, { enabled: true, retentionDays: 365 });
  });

  test('overrides merge field by field into the preset and are validated by the strategy schema', async () => {
    const text = `Book your trial class: ${links.url('/ok/trial')} Reply TD to opt out.`;
    const res = await req('admin', 'POST', '/v1/campaigns', { id: 'edu-own', name: 'Own school', preset: 'education', strategy: { sms: { text }, maxAttempts: 3 } });
    assert.equal(res.status, 201, await res.clone().text());
    const c = (await res.json()) as Campaign;
    assert.equal(c.strategy.sms!.text, text);
    assert.equal(c.strategy.sms!.afterUnansweredCalls, 1, 'the preset’s other SMS fields stay');
    assert.equal(c.strategy.maxAttempts, 3);
    assert.deepEqual(c.strategy.firstContactWithinMinutes, { 'lead.created': 10 });
    assert.deepEqual(c.deadLinks, []);
    const bad = await req('admin', 'POST', '/v1/campaigns', { id: 'edu-bad', name: 'Bad', preset: 'education', strategy: { quietHours: { start: '9pm' } } });
    assert.equal(bad.status, 400);
    assert.ok(((await bad.json()) as Problem).errors.some((e) => e.path === 'strategy.quietHours.start'));
    assert.equal((await req('admin', 'POST', '/v1/campaigns', { name: 'x', preset: 'astrology' })).status, 400);
  });

  test('a strategy with sensitive wording is refused (422), each phrase named with where it is', async () => {
    const res = await req('admin', 'POST', '/v1/campaigns', {
      id: 'collect',
      name: 'Collections',
      preset: 'finance',
      strategy: { sms: { text: 'Pay today or we will come to your home. We will also tell your family.' }, announcement: { text: '不还钱就让你坐牢。按0退订。', language: 'zh-CN' } },
    });
    assert.equal(res.status, 422);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    const p = (await res.json()) as Problem;
    assert.equal(p.code, 'sensitive_words');
    const named = p.errors.map((e) => `${e.path}: ${e.message}`);
    assert.ok(named.some((n) => n.startsWith('strategy.sms.text: sensitive word "we will come to your home" (threat)')), named.join('\n'));
    assert.ok(named.some((n) => n.startsWith('strategy.sms.text: sensitive word "tell your family" (third-party)')), named.join('\n'));
    assert.ok(named.some((n) => n.startsWith('strategy.announcement.text: sensitive word "让你坐牢" (threat)')), named.join('\n'));
    assert.equal((await req('viewer', 'GET', '/v1/campaigns/collect')).status, 404, 'nothing was written');
    // the finance list is finance's: the same words in an education campaign are not collection wording
    const edu = await req('admin', 'POST', '/v1/campaigns/p-education/strategy', { strategy: { announcement: { text: 'We will keep calling until you pick a class.', language: 'en-US' } } });
    assert.equal(edu.status, 200, await edu.clone().text());
    // general words apply everywhere, and an English word must stand alone ("class" is not "ass")
    const abuse = await req('admin', 'POST', '/v1/campaigns/p-education/strategy', { strategy: { announcement: { text: 'Only an idiot misses this class.', language: 'en-US' } } });
    assert.equal(abuse.status, 422);
    assert.deepEqual(((await abuse.json()) as Problem).errors.map((e) => e.path), ['strategy.announcement.text']);
  });

  test('operators add and remove words: the list is versioned and every change audited', async () => {
    const before = (await (await req('viewer', 'GET', '/v1/sensitive-words')).json()) as { version: number; words: Array<{ word: string; id: number | null }> };
    assert.ok(before.words.some((w) => w.word === '爆通讯录' && w.id === null), 'the built-in Chinese collection words');
    assert.equal((await req('viewer', 'POST', '/v1/sensitive-words', { scope: 'general', word: 'guaranteed returns', category: 'false-claim' })).status, 403);
    const added = await req('operator', 'POST', '/v1/sensitive-words', { scope: 'general', word: 'guaranteed returns', category: 'false-claim' });
    assert.equal(added.status, 201, await added.clone().text());
    const a = (await added.json()) as { version: number; word: { id: number } };
    assert.equal(a.version, before.version + 1);
    assert.equal((await req('operator', 'POST', '/v1/sensitive-words', { scope: 'general', word: 'Guaranteed Returns', category: 'false-claim' })).status, 409);
    const refused = await req('admin', 'POST', '/v1/campaigns/p-ecommerce/strategy', { strategy: { announcement: { text: 'Guaranteed returns on every order!', language: 'en-US' } } });
    assert.equal(refused.status, 422);
    assert.match(((await refused.json()) as Problem).detail, /"guaranteed returns" in announcement\.text/);
    const removed = await req('operator', 'DELETE', `/v1/sensitive-words/${a.word.id}`);
    assert.deepEqual(await removed.json(), { version: before.version + 2 });
    assert.equal((await req('admin', 'POST', '/v1/campaigns/p-ecommerce/strategy', { strategy: { announcement: { text: 'Guaranteed returns on every order!', language: 'en-US' } } })).status, 200);
    const audit = await api.sql`select action, after from audit_log where action like 'sensitive-word.%' order by id`;
    assert.deepEqual(audit.map((r) => r.action), ['sensitive-word.add', 'sensitive-word.remove']);
    assert.equal((audit[0]!.after as { version: number }).version, before.version + 1);
  });

  test('links are checked when a strategy is saved: a dead one (404, redirect loop, timeout) flags the campaign and alerts ops', async () => {
    const text = `Coupon: ${links.url('/ok/coupon')} or ${links.url('/moved')}; menu ${links.url('/gone')}, map ${links.url('/loop-a')}, slow ${links.url('/delay/5000')}`;
    const res = await req('admin', 'POST', '/v1/campaigns', { id: 'shop', name: 'Shop', preset: 'local-services', strategy: { sms: { text } } });
    assert.equal(res.status, 201, await res.clone().text());
    const c = (await res.json()) as Campaign;
    const dead = Object.fromEntries(c.deadLinks.map((d) => [d.url, d.problem]));
    assert.deepEqual(dead, { [links.url('/gone')]: 'http 404', [links.url('/loop-a')]: 'redirect loop', [links.url('/delay/5000')]: 'timeout after 1500 ms' });
    assert.ok(c.deadLinks.every((d) => d.path === 'sms.text'));
    const [status] = await api.sql`select ok, chain from link_status where url = ${links.url('/moved')}`;
    assert.equal(status!.ok, true);
    assert.deepEqual((status!.chain as Array<{ status: number }>).map((h) => h.status), [302, 200], 'the redirect chain is recorded');
    const alerts = await api.sql`select message from alerts where kind = 'dead-link' and message like 'Campaign shop:%'`;
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]!.message as string, /3 dead link\(s\)/);
    // fixed in a new version: the flag goes
    const fixed = (await (await req('admin', 'POST', '/v1/campaigns/shop/strategy', { strategy: { sms: { afterUnansweredCalls: 1, text: `Coupon: ${links.url('/ok/coupon')}` } } })).json()) as Campaign;
    assert.deepEqual(fixed.deadLinks, []);
  });
});
