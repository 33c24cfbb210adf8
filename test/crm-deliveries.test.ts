/**
 * CRM deliveries through the real path: a lead is called on the simulator, presses 1 (converted)
 * or 0 (opted out), the outcome's delivery is queued with it, and a Temporal workflow POSTs it,
 * signed, to a local receiver that verifies the signature exactly as README.md's example does.
 * A receiver that fails a few times gets the outcome once afterwards; one that always fails
 * dead-letters it, and an operator's replay delivers it; a lockdown holds deliveries until released.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, test } from 'node:test';
import { listen } from '../services/listen';
import { signCrmBody } from '../services/crm-deliveries';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

const SECRET = 'whsec_test_0123456789abcdef';

/** README.md's receiver check, verbatim in substance: `t` within tolerance, HMAC over `${t}.${raw}`. */
function verify(secret: string, header: string | null, rawBody: string, now = Date.now()): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const got = Buffer.from(parts.v1 ?? '', 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A CRM: answers `fail(n)` to the n-th request (1-based) with that status, else 204; keeps what it accepted. */
async function receiver(fail: (n: number) => number | null) {
  let n = 0;
  const accepted: Array<{ body: Record<string, unknown>; headers: Headers }> = [];
  const refusedSignatures: string[] = [];
  const server = await listen(async (req) => {
    const raw = await req.text();
    n++;
    if (!verify(SECRET, req.headers.get('redial-signature'), raw)) {
      refusedSignatures.push(raw);
      return new Response(null, { status: 401 });
    }
    const status = fail(n);
    if (status) return new Response('down', { status });
    accepted.push({ body: JSON.parse(raw) as Record<string, unknown>, headers: req.headers });
    return new Response(null, { status: 204 });
  }, 0);
  return { url: `${server.url}/crm/hook?token=abc`, accepted, refusedSignatures, requests: () => n, close: () => server.close() };
}

type Delivery = { id: number; state: string; attempts: number; outcome: string; outcomeId: string; held: boolean; lastStatus: number | null; lastError: string | null; replays: number; endpoint: string };

describe('CRM deliveries of business outcomes', () => {
  const sys = useSystem({ crmRetry: { budget: 3, firstDelayMs: 500, maxDelayMs: 1000 } });
  let campaigns = 0;

  async function campaignWith(url: string, mapping?: unknown) {
    const id = `crm-${++campaigns}`;
    const res = await sys.call('POST', '/v1/campaigns', { id, name: `CRM ${id}`, strategy: { jitterSeconds: 0, maxAttempts: 1 } });
    assert.equal(res.status, 201, await res.clone().text());
    const put = await sys.call('PUT', `/v1/campaigns/${id}/crm`, { url, secret: SECRET, ...(mapping ? { mapping } : {}) });
    assert.equal(put.status, 200, await put.clone().text());
    return id;
  }
  const lead = async (campaignId: string, phone: string, externalId: string) => {
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, externalId, campaignId, contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202, await res.clone().text());
    return ((await res.json()) as { contactId: string }).contactId;
  };
  const deliveriesOf = async (campaignId: string) => {
    const res = await sys.call('GET', `/v1/deliveries?campaignId=${campaignId}`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { deliveries: Delivery[] }).deliveries;
  };

  test('the signature verifies, and a tampered body or an old timestamp does not', () => {
    const body = '{"outcome":"converted"}';
    const t = Math.floor(Date.now() / 1000);
    assert.ok(verify(SECRET, signCrmBody(SECRET, body, t), body));
    assert.ok(!verify(SECRET, signCrmBody(SECRET, body, t), body.replace('converted', 'opted-out')));
    assert.ok(!verify('another-secret-0123456789', signCrmBody(SECRET, body, t), body));
    assert.ok(!verify(SECRET, signCrmBody(SECRET, body, t - 600), body), 'a replay ten minutes later is refused');
  });

  test('a receiver failing twice gets the converted lead once afterwards, signed, mapped, with no phone number', async () => {
    const crm = await receiver((n) => (n <= 2 ? 503 : null));
    try {
      const campaignId = await campaignWith(crm.url, { fields: { externalId: 'lead_id', outcome: 'status' }, outcomeValues: { converted: 'won' } });
      const phone = '+8613800138306';
      const contactId = await lead(campaignId, phone, 'CRM-LEAD-1');
      const [d] = await eventually(async () => {
        const ds = await deliveriesOf(campaignId);
        return ds[0]?.state === 'delivered' ? ds : null;
      }, 120_000, 'the delivery delivered');
      assert.equal(d!.outcome, 'converted');
      assert.equal(d!.attempts, 3, 'two failures, then the delivery');
      assert.equal(d!.endpoint, `${new URL(crm.url).origin}/crm/hook`, 'the query string (a token) is not shown');
      assert.equal(crm.accepted.length, 1, 'exactly once');
      assert.deepEqual(crm.refusedSignatures, []);
      const got = crm.accepted[0]!;
      assert.equal(got.body.lead_id, 'CRM-LEAD-1');
      assert.equal(got.body.status, 'won');
      assert.equal(got.body.contactId, contactId);
      assert.equal(got.body.outcomeId, d!.outcomeId);
      assert.equal(got.headers.get('redial-outcome-id'), d!.outcomeId);
      assert.ok(!JSON.stringify(got.body).includes('138306'), 'no phone number in the body');

      const detail = (await (await sys.call('GET', `/v1/deliveries/${d!.id}`)).json()) as { tries: Array<{ status: number; error: string | null }>; body: Record<string, unknown> };
      assert.deepEqual(detail.tries.map((t) => t.status), [503, 503, 204]);
      assert.equal(detail.tries[0]!.error, 'the CRM answered 503');
      assert.equal(detail.body.status, 'won');
      // the receiver heard nothing else (no second POST for the same outcome)
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(crm.requests(), 3);
    } finally {
      await crm.close();
    }
  });

  test('a receiver that always fails: dead letter after the budget, then an operator replay delivers it', async () => {
    let up = false;
    const crm = await receiver(() => (up ? null : 500));
    try {
      const campaignId = await campaignWith(crm.url);
      await lead(campaignId, '+8613800138316', 'CRM-LEAD-2');
      const [dead] = await eventually(async () => {
        const ds = await deliveriesOf(campaignId);
        return ds[0]?.state === 'dead' ? ds : null;
      }, 120_000, 'the delivery dead-lettered');
      assert.equal(dead!.attempts, 3, 'the retry budget');
      assert.equal(dead!.lastError, 'the CRM answered 500');
      assert.equal((await deliveriesOf(campaignId)).length, 1);
      const listed = (await (await sys.call('GET', `/v1/deliveries?state=dead&campaignId=${campaignId}`)).json()) as { deliveries: Delivery[] };
      assert.deepEqual(listed.deliveries.map((x) => x.id), [dead!.id]);

      up = true;
      const replay = await sys.call('POST', `/v1/deliveries/${dead!.id}/replay`);
      assert.equal(replay.status, 202, await replay.clone().text());
      const again = await sys.call('POST', `/v1/deliveries/${dead!.id}/replay`);
      assert.equal(again.status, 409, 'only a dead delivery is replayed');
      const [done] = await eventually(async () => {
        const ds = await deliveriesOf(campaignId);
        return ds[0]?.state === 'delivered' ? ds : null;
      }, 60_000, 'the replay delivered');
      assert.equal(done!.replays, 1);
      assert.equal(done!.attempts, 4);
      assert.equal(crm.accepted.length, 1);
      assert.equal(crm.accepted[0]!.body.outcome, 'converted');
    } finally {
      await crm.close();
    }
  });

  test('a lockdown holds deliveries (no try spent) and they go out after its release; an opt-out is an outcome too', async () => {
    const crm = await receiver(() => null);
    try {
      const campaignId = await campaignWith(crm.url);
      const engage = await sys.call('POST', '/v1/lockdown', { reason: 'suspected leak: CRM test', pauseDialling: false });
      assert.ok(engage.status < 300, await engage.clone().text());
      // the simulator's numbers ending in 4 press 0: opted out
      await lead(campaignId, '+8613800138324', 'CRM-LEAD-3');
      const [held] = await eventually(async () => {
        const ds = await deliveriesOf(campaignId);
        return ds[0]?.held ? ds : null;
      }, 120_000, 'the delivery held');
      assert.equal(held!.outcome, 'opted-out');
      assert.equal(held!.attempts, 0);
      assert.equal(crm.requests(), 0, 'nothing left during the lockdown');
      const release = await sys.call('DELETE', '/v1/lockdown');
      assert.equal(release.status, 200);
      const [done] = await eventually(async () => {
        const ds = await deliveriesOf(campaignId);
        return ds[0]?.state === 'delivered' ? ds : null;
      }, 60_000, 'delivered after the release');
      assert.equal(done!.attempts, 1);
      assert.equal(crm.accepted.length, 1);
      assert.equal(crm.accepted[0]!.body.outcome, 'opted-out');
      assert.equal(crm.accepted[0]!.body.externalId, 'CRM-LEAD-3');
    } finally {
      await sys.call('DELETE', '/v1/lockdown');
      await crm.close();
    }
  });

  test('the endpoint: the secret is write-only and sealed at rest; a first endpoint needs one; an unknown campaign is 404', async () => {
    const campaignId = await campaignWith('http://127.0.0.1:9/none');
    const got = (await (await sys.call('GET', `/v1/campaigns/${campaignId}/crm`)).json()) as Record<string, unknown>;
    assert.equal(got.secretSet, true);
    assert.ok(!JSON.stringify(got).includes(SECRET));
    const [row] = await sys.sql`select secret from crm_endpoints where campaign_id = ${campaignId}`;
    assert.ok(!String(row!.secret).includes(SECRET), 'sealed at rest');
    const audits = await sys.sql`select after from audit_log where action = 'crm.endpoint.set' and target = ${campaignId}`;
    assert.ok(audits.length === 1 && !JSON.stringify(audits[0]).includes(SECRET), 'audited without the secret');
    const keep = await sys.call('PUT', `/v1/campaigns/${campaignId}/crm`, { url: 'http://127.0.0.1:9/other' });
    assert.equal(keep.status, 200, 'a change may keep the secret');
    const res = await sys.call('POST', '/v1/campaigns', { id: `crm-nosecret-${campaigns}`, name: 'x', strategy: {} });
    assert.equal(res.status, 201);
    const first = await sys.call('PUT', `/v1/campaigns/crm-nosecret-${campaigns}/crm`, { url: 'http://127.0.0.1:9/x' });
    assert.equal(first.status, 409);
    assert.equal(((await first.json()) as { code: string }).code, 'conflict');
    const unknown = await sys.call('PUT', '/v1/campaigns/no-such-campaign/crm', { url: 'http://127.0.0.1:9/x', secret: SECRET });
    assert.equal(unknown.status, 404);
    const bad = await sys.call('PUT', `/v1/campaigns/${campaignId}/crm`, { url: 'ftp://x', secret: SECRET });
    assert.equal(bad.status, 400);
    const missing = await sys.call('GET', '/v1/deliveries/999999');
    assert.equal(missing.status, 404);
  });
});
