/**
 * The API's doors, against the real API process (api/main.ts as a child, configured by env):
 * authentication before any body is read, so 100 anonymous 30 MB uploads in parallel leave its
 * memory flat; a client that writes a whole 20 MB body before reading still reads its 413 (and
 * 401) problem+json; per-key and per-address token buckets answer 429 with Retry-After while
 * other keys are served; a cap on large bodies in flight.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newKey } from '../services/keys';
import { freshDatabase } from './helpers/env';

const root = path.resolve(__dirname, '..');
const MB = 1024 * 1024;

/** The API process's resident memory (Linux), in bytes. */
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  error?: string;
}

/**
 * A raw HTTP/1.1 request that writes its whole body (`size` bytes, Content-Length or chunked)
 * before it reads a byte of the answer, like Python's urllib or many CRM SDKs.
 */
function rawUpload(port: number, opts: { path: string; size: number; chunked?: boolean; headers?: Record<string, string>; pauseAfter?: number }): { done: Promise<RawAnswer>; resume?: () => void } {
  let resume: (() => void) | undefined;
  const gate = opts.pauseAfter !== undefined ? new Promise<void>((r) => (resume = r)) : null;
  const done = new Promise<RawAnswer>((resolve) => {
    const began = Date.now();
    const s = net.connect(port, '127.0.0.1');
    s.pause();
    let got = Buffer.alloc(0);
    let error: string | undefined;
    const finish = () => {
      const text = got.toString('latin1');
      const head = text.split('\r\n\r\n')[0] ?? '';
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = text.slice(head.length + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: Number(statusLine?.split(' ')[1] ?? 0), headers, body, ...(error ? { error } : {}) });
    };
    s.on('error', (e) => {
      error = `${(e as NodeJS.ErrnoException).code ?? e.message} after ${Date.now() - began} ms`;
    });
    s.on('close', finish);
    s.on('connect', async () => {
      const head = [
        `POST ${opts.path} HTTP/1.1`,
        'Host: 127.0.0.1',
        'Connection: close',
        opts.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${opts.size}`,
        ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      ].join('\r\n');
      s.write(`${head}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      try {
        while (sent < opts.size && !s.destroyed) {
          if (gate && sent >= opts.pauseAfter!) await gate;
          const n = Math.min(chunk.length, opts.size - sent);
          const data = n === chunk.length ? chunk : chunk.subarray(0, n);
          // every part of a chunk is written whatever write() says (it only asks us to wait after)
          if (opts.chunked) s.write(`${n.toString(16)}\r\n`);
          let ok = s.write(data);
          if (opts.chunked) ok = s.write('\r\n');
          sent += n;
          if (!ok) await new Promise((r) => s.once('drain', r));
        }
        if (opts.chunked && !s.destroyed) s.write('0\r\n\r\n');
      } catch {
        /* the error handler has it */
      }
      // only now read the answer
      s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
      s.resume();
    });
  });
  return { done, resume };
}

describe('API limits (the API as its own process)', () => {
  let child: ChildProcess;
  let url = '';
  let port = 0;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const adminKey = newKey();
  let operatorKey = '';
  const logs: string[] = [];

  before(async () => {
    db = await freshDatabase();
    child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIAL_ADMIN_KEY: adminKey,
        REDIAL_API_PORT: '0',
        REDIAL_RATE_PER_KEY: '5',
        REDIAL_RATE_PER_KEY_BURST: '20',
        REDIAL_RATE_PER_IP: '5',
        REDIAL_RATE_PER_IP_BURST: '40',
        REDIAL_RATE_AUTH_FAILURES_PER_IP: '1',
        REDIAL_RATE_AUTH_FAILURES_PER_IP_BURST: '5',
        REDIAL_LARGE_BODIES: '1',
        // every upload below names its own address, so one client can play many
        REDIAL_TRUST_PROXY: 'true',
      },
    });
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the API exited (${code}): ${logs.join('')}`)));
      setTimeout(() => reject(new Error(`the API did not start: ${out} ${logs.join('')}`)), 60_000).unref();
    });
    port = Number(new URL(url).port);
    const res = await call(adminKey, 'POST', '/v1/keys', '10.9.0.1', { name: 'crm', role: 'operator' });
    assert.equal(res.status, 201);
    operatorKey = ((await res.json()) as { key: string }).key;
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await db?.close();
  });

  const call = (key: string | null, method: string, p: string, from: string, body?: unknown) =>
    fetch(`${url}${p}`, {
      method,
      headers: { 'x-forwarded-for': from, ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  test('a client that writes a whole 20 MB body before reading reads its 413 (and an anonymous one its 401)', async () => {
    const big = await rawUpload(port, { path: '/v1/events', size: 20 * MB, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'x-forwarded-for': '10.1.0.1' } }).done;
    assert.equal(big.error, undefined, `the connection failed: ${big.error}`);
    assert.equal(big.status, 413, big.body);
    assert.match(big.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.equal((JSON.parse(big.body) as { code: string }).code, 'body_too_large');

    const anon = await rawUpload(port, { path: '/v1/events', size: 20 * MB, headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.1.0.2' } }).done;
    assert.equal(anon.error, undefined, `the connection failed: ${anon.error}`);
    assert.equal(anon.status, 401, anon.body);
    assert.equal((JSON.parse(anon.body) as { code: string }).code, 'unauthenticated');
  });

  test('100 anonymous 30 MB uploads in parallel: each read its answer, the API process stays under 150 MB more', async (t) => {
    const pid = child.pid!;
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 25);
    try {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          rawUpload(port, {
            path: '/v1/contacts/import',
            size: 30 * MB,
            // half streamed (no length: a body limit would have to read it to judge it), half announced
            chunked: i % 2 === 0,
            headers: { 'content-type': 'text/csv', 'x-forwarded-for': `10.2.${i >> 8}.${i & 255}` },
          }).done,
        ),
      );
      const bad = answers.filter((a) => a.error || a.status !== 401 || !/"code":"unauthenticated"/.test(a.body));
      assert.deepEqual(bad.map((a) => `${a.status} ${a.error ?? ''} ${a.body.slice(0, 80)}`), []);
    } finally {
      clearInterval(sampler);
    }
    const grew = peak - baseline;
    t.diagnostic(`API RSS ${Math.round(baseline / MB)} MB → peak ${Math.round(peak / MB)} MB while 3 GB were refused`);
    assert.ok(grew < 150 * MB, `the API's RSS grew by ${Math.round(grew / MB)} MB (from ${Math.round(baseline / MB)} MB)`);
    // and it still answers
    assert.equal((await call(adminKey, 'GET', '/v1/campaigns', '10.2.9.9')).status, 200);
  });

  test('a burst over a key’s rate gets 429 rate_limited with Retry-After; other keys are served', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(operatorKey, 'GET', '/v1/campaigns', `10.3.0.${i}`)));
    const seconds = (Date.now() - started) / 1000;
    const limited = answers.filter((r) => r.status === 429);
    const served = answers.filter((r) => r.status === 200).length;
    // the key's bucket (5/s, burst 20) lets through its burst and what refilled meanwhile, no more
    assert.ok(served <= 20 + Math.ceil(5 * seconds) + 1, `${served} served in ${seconds} s`);
    assert.ok(limited.length >= 10, `429s: ${limited.length} in ${seconds} s`);
    assert.ok(answers.every((r) => r.status === 200 || r.status === 429), answers.map((r) => r.status).join(','));
    const p = (await limited[0]!.json()) as { code: string; detail: string };
    assert.equal(p.code, 'rate_limited');
    assert.match(limited[0]!.headers.get('content-type') ?? '', /problem\+json/);
    assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1);
    await Promise.all(answers.map((r) => (r.bodyUsed ? null : r.arrayBuffer())));
    // the admin key is not slowed by the operator's burst…
    const other = await Promise.all(Array.from({ length: 10 }, () => call(adminKey, 'GET', '/v1/campaigns', '10.3.1.1')));
    assert.deepEqual(other.map((r) => r.status), Array(10).fill(200));
    // …and the operator's key recovers after the Retry-After
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await call(operatorKey, 'GET', '/v1/campaigns', '10.3.0.200')).status, 200);
  });

  test('an address over its rate gets 429; another address is served', async () => {
    // four keys, 15 requests each: no key is over its own rate, the address (5/s, burst 40) is
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(adminKey, 'POST', '/v1/keys', `10.4.1.${i}`, { name: `shared-nat-${i}`, role: 'viewer' });
      keys.push(((await res.json()) as { key: string }).key);
    }
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(keys[i % 4]!, 'GET', '/v1/lockdown', '10.4.0.1')));
    const seconds = (Date.now() - started) / 1000;
    const limited = answers.filter((r) => r.status === 429);
    const served = answers.filter((r) => r.status === 200).length;
    // the address's bucket (5/s, burst 40) lets through its burst and what refilled meanwhile, no more
    assert.ok(served <= 40 + Math.ceil(5 * seconds) + 1, `${served} served in ${seconds} s`);
    assert.ok(limited.length >= 10, answers.map((r) => r.status).join(','));
    for (const r of limited) assert.match(((await r.json()) as { detail: string }).detail, /address/);
    assert.equal((await call(keys[0]!, 'GET', '/v1/lockdown', '10.4.0.2')).status, 200);
  });

  test('failed authentications from an address: 429 after a few, while a known key from it still passes', async () => {
    // the admin key is known to this process (used above); guesses from the same address are not
    assert.equal((await call(adminKey, 'GET', '/v1/lockdown', '10.5.0.1')).status, 200);
    const guesses = [];
    for (let i = 0; i < 10; i++) guesses.push((await call(`rdl_guess${i}`, 'GET', '/v1/lockdown', '10.5.0.1')).status);
    assert.deepEqual(guesses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(guesses.slice(5).every((s) => s === 429), guesses.join(','));
    assert.equal((await call(adminKey, 'GET', '/v1/lockdown', '10.5.0.1')).status, 200);
  });

  test('one large body at a time (REDIAL_LARGE_BODIES=1): a second is refused 429 while the first is read', async () => {
    const csv = (rows: number) => `phone\n${Array.from({ length: rows }, (_, i) => `+1415555${String(i).padStart(4, '0')}`).join('\n')}\n`;
    // the first: a 2 MB import announced, its body sent halfway, then held
    const first = rawUpload(port, { path: '/v1/contacts/import?mode=partial', size: 2 * MB, pauseAfter: MB, headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'text/csv', 'x-forwarded-for': '10.6.0.1' } });
    await new Promise((r) => setTimeout(r, 500));
    const second = await fetch(`${url}/v1/contacts/import?mode=partial`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/csv', 'x-forwarded-for': '10.6.0.2' },
      body: csv(1) + 'x'.repeat(2 * MB),
    });
    assert.equal(second.status, 429, await second.clone().text());
    assert.equal(((await second.json()) as { code: string }).code, 'rate_limited');
    first.resume!();
    const answered = await first.done;
    assert.notEqual(answered.status, 429);
    assert.equal(answered.error, undefined);
    // small bodies are never held up by the cap
    assert.equal((await call(adminKey, 'POST', '/v1/contacts/import', '10.6.0.3', { rows: [{ phone: '+14155550123' }] })).status, 200);
  });
});
