/** POST /v1/intents/classify: the operator's view of what the call flow understands; bad input is a problem, never a partial answer. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLASSIFY_MAX_CHARS, CLASSIFY_MAX_TEXTS } from '../api/routes/intents';
import { useApi } from './helpers/api';

type Results = { results: Array<{ intent: string; confidence: number }> };

describe('POST /v1/intents/classify', () => {
  const api = useApi();

  test('one result per text, same order, the industry favouring its own intents', async () => {
    const texts = ['嗯那个课程多少钱啊', 'where is my package', '别再给我打电话了', 'stop calling me', '转人工'];
    const res = await api.req('operator', 'POST', '/v1/intents/classify', { texts, industry: 'education' });
    assert.equal(res.status, 200);
    const { results } = (await res.json()) as Results;
    assert.deepEqual(results.map((r) => r.intent), ['course_price', 'delivery_status', 'opt_out', 'opt_out', 'human_agent']);
    for (const r of results) assert.ok(r.confidence > 0 && r.confidence <= 1);
    // "how much" is a course's price on an education call, the amount owed on a finance one
    const [edu, fin] = await Promise.all(
      ['education', 'finance'].map(async (industry) => ((await (await api.req('operator', 'POST', '/v1/intents/classify', { texts: ['多少钱'], industry })).json()) as Results).results[0]!.intent),
    );
    assert.deepEqual([edu, fin], ['course_price', 'amount_due']);
  });

  test('bad input: problem+json validation_failed, nothing classified', async () => {
    for (const body of [
      { texts: [] },
      { texts: Array(CLASSIFY_MAX_TEXTS + 1).fill('hi') },
      { texts: ['x'.repeat(CLASSIFY_MAX_CHARS + 1)] },
      { texts: ['hi'], industry: 'mining' },
      { texts: 'hi' },
      { texts: ['hi'], extra: 1 },
      {},
    ]) {
      const res = await api.req('operator', 'POST', '/v1/intents/classify', body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(((await res.json()) as { code: string }).code, 'validation_failed');
    }
  });

  test('operators and admins may; a viewer and no key may not', async () => {
    const body = { texts: ['hi'] };
    assert.equal((await api.req('admin', 'POST', '/v1/intents/classify', body)).status, 200);
    assert.equal((await api.req('viewer', 'POST', '/v1/intents/classify', body)).status, 403);
    assert.equal((await api.req(null, 'POST', '/v1/intents/classify', body)).status, 401);
  });
});
