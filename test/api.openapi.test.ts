/** The published contract: OpenAPI 3.1 with an operationId, schemas and problem responses on every route; docs served. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { connect } from '../db/client';
import { testKeyring } from './helpers/env';

describe('OpenAPI and docs', () => {
  // the spec needs neither database nor Temporal to be up: lazy clients that are never used
  const app = createApp({ keyring: testKeyring(),
    db: connect('postgres://nobody@127.0.0.1:1/none', { max: 1 }).db,
    temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
    taskQueue: 't',
    publicUrl: 'http://127.0.0.1:1',
    defaultRegion: 'CN',
    tenant: 'default',
    log: () => {},
  });

  test('every operation has an operationId, a summary, typed responses and problem+json errors', async () => {
    const res = await app.request('/openapi.json');
    assert.equal(res.status, 200);
    const spec = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId?: string; summary?: string; responses: Record<string, { content?: Record<string, unknown> }> }>> };
    assert.equal(spec.openapi, '3.1.0');
    const ops = Object.entries(spec.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ id: `${m.toUpperCase()} ${p}`, op })));
    assert.ok(ops.length >= 15, `${ops.length} operations`);
    const ids = new Set<string>();
    for (const { id, op } of ops) {
      assert.ok(op.operationId, `${id} has an operationId`);
      assert.ok(!ids.has(op.operationId), `${op.operationId} is unique`);
      ids.add(op.operationId);
      assert.ok(op.summary, `${id} has a summary`);
      const codes = Object.keys(op.responses);
      assert.ok(codes.some((c) => c.startsWith('2')), `${id} documents success`);
      // /healthz answers 503 with its health report, by design: monitors read which part is down
      for (const code of codes.filter((c) => Number(c) >= 400 && op.operationId !== 'getHealth')) assert.ok(op.responses[code]!.content?.['application/problem+json'], `${id} ${code} is problem+json`);
    }
  });

  test('/docs serves Swagger UI from local assets', async () => {
    const page = await app.request('/docs');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /\/openapi\.json/);
    const js = await app.request('/docs/assets/swagger-ui-bundle.js');
    assert.equal(js.status, 200);
    assert.ok((await js.arrayBuffer()).byteLength > 100_000);
    assert.equal((await app.request('/docs/assets/..%2Fpackage.json')).status, 404);
  });
});
