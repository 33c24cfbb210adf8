/**
 * The link probe against a local server: what a dead link is (404, redirect loop, too many
 * redirects, timeout, DNS, a private address), what a live one is (2xx, after redirects), and
 * 1,000 links against a slow server, measured.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultLinkProbe, isPrivateAddress, probeLink, probeLinks } from '../services/link-probe';
import { LINK_HOST, testLinkProbe, useLinkServer } from './helpers/link-server';

describe('link probe', () => {
  const links = useLinkServer();
  const cfg = { ...defaultLinkProbe, ...testLinkProbe };

  test('2xx is alive, after a redirect too, with the chain', async () => {
    const r = await probeLink(cfg, links.url('/moved'));
    assert.deepEqual([r.ok, r.problem, r.httpStatus], [true, null, 200]);
    assert.deepEqual(r.chain.map((h) => h.url), [links.url('/moved'), links.url('/ok/after-redirect')]);
  });

  test('dead: 404, a redirect loop, too many redirects, a timeout, a name that does not resolve', async () => {
    assert.equal((await probeLink(cfg, links.url('/gone'))).problem, 'http 404');
    assert.equal((await probeLink(cfg, links.url('/loop-a'))).problem, 'redirect loop');
    assert.equal((await probeLink({ ...cfg, maxRedirects: 0 }, links.url('/moved'))).problem, 'more than 0 redirects');
    const slow = await probeLink(cfg, links.url('/delay/5000'));
    assert.equal(slow.problem, 'timeout after 1500 ms');
    assert.ok(slow.ms >= 1400 && slow.ms < 4000, `${slow.ms} ms`);
    assert.match((await probeLink(cfg, 'http://no-such-host.invalid/x')).problem ?? '', /^dns: /);
    assert.equal((await probeLink(cfg, 'ftp://example.com/x')).problem, 'not http(s): ftp:');
  });

  test('a link to a private or loopback address is dead unless code pinned its name (tests only)', async () => {
    const direct = links.url('/ok/x').replace(LINK_HOST, '127.0.0.1');
    assert.equal((await probeLink(defaultLinkProbe, direct)).problem, 'resolves to a private address');
    assert.equal((await probeLink(defaultLinkProbe, links.url('/ok/x'))).ok, false, 'without the override the test name does not resolve');
    for (const a of ['10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1']) assert.ok(isPrivateAddress(a), a);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) assert.ok(!isPrivateAddress(a), a);
  });

  test('1,000 links against a slow server (300 ms a page, one in ten past the timeout)', async () => {
    const urls = Array.from({ length: 1000 }, (_, i) => links.url(i % 10 === 0 ? `/delay/3000?i=${i}` : `/delay/300?i=${i}`));
    const started = Date.now();
    const results = await probeLinks(cfg, urls);
    const ms = Date.now() - started;
    assert.equal(results.length, 1000);
    assert.deepEqual(results.map((r) => r.url), urls, 'in the order asked');
    assert.ok(results.filter((_, i) => i % 10 === 0).every((r) => r.problem === 'timeout after 1500 ms'), 'every page past the timeout is dead');
    // on a loaded machine a 300 ms page can miss 1.5 s too; anything else would be a wrong verdict
    const fast = results.filter((_, i) => i % 10 !== 0);
    assert.ok(fast.every((r) => r.ok || r.problem === 'timeout after 1500 ms'));
    assert.ok(fast.filter((r) => r.ok).length >= 800, `${fast.filter((r) => r.ok).length} of 900 alive`);
    console.log(`link check: 1,000 links (300 ms each, 100 past the 1.5 s timeout) in ${ms} ms at concurrency ${cfg.concurrency}; ${fast.filter((r) => r.ok).length} of 900 alive`);
  });
});
