/**
 * Calls through the real `twilio` client against the simulator: exact agreement between our
 * records and the carrier's, failover when a line degrades, duplicate and out-of-order callbacks,
 * signature checks, and SMS opt-out replies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { attempts, callEvents, lines, optOuts } from '../db/schema';
import { createCarrier } from '../activities/carrier';
import { simulatorLines } from '../sim/defaults';
import { twilioSignature } from '../sim/signature';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';
import { convertedOnCarrier } from './helpers/carrier-log';
import { testKeyring } from './helpers/env';

const TERMINAL = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];
const standard = simulatorLines.find((l) => l.id === 'sim-standard')!;

/** Distinct valid numbers ending in `digit` (the simulator's outcome table). */
const numbers = (area: string, n: number, digit?: number) =>
  Array.from({ length: n }, (_, i) => `+1${area}${200 + Math.floor(i / 100)}${String((i % 100) * 100 + (digit ?? i % 10)).padStart(4, '0')}`);

describe('carrier: twilio client ⇄ simulator', () => {
  const sys = useSystem();

  const send = async (phones: string[], tz = afternoonZone()) => {
    for (let i = 0; i < phones.length; i += 25)
      await Promise.all(
        phones.slice(i, i + 25).map(async (phone) => {
          const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: tz } });
          assert.equal(res.status, 202, await res.text());
        }),
      );
  };
  const firstAttemptsDone = (phones: string[]) =>
    eventually(
      async () => {
        const rows = await sys.sql`select c.phone, a.status from attempts a join contacts c on c.id = a.contact_id where c.phone = any(${phones})`;
        const done = new Set(rows.filter((r) => TERMINAL.includes(r.status as string) || r.status === 'carrier-failed').map((r) => r.phone as string));
        return done.size === phones.length;
      },
      240_000,
      'every number to have a finished attempt',
    );

  test('500 numbers with mixed outcomes: every final status in PostgreSQL equals the simulator’s record', async () => {
    const phones = numbers('415', 500);
    await send(phones);
    await firstAttemptsDone(phones);
    await sys.sim.idle();
    const rows = await sys.db.select().from(attempts).where(inArray(attempts.providerSid, [...sys.sim.calls.keys()]));
    const mine = [...sys.sim.calls.values()].filter((c) => phones.includes(c.to));
    assert.ok(mine.length >= 500);
    const bySid = new Map(rows.map((r) => [r.providerSid!, r]));
    for (const call of mine) {
      const a = bySid.get(call.sid);
      assert.ok(a, `the simulator's call ${call.sid} to ${call.to} has an attempt`);
      if (!TERMINAL.includes(call.status)) continue; // a redial still ringing at the end of the test
      assert.equal(a.status, call.status, `${call.to}: status`);
      assert.equal(a.answeredBy, call.answeredBy, `${call.to}: AnsweredBy`);
      assert.equal(a.sipResponseCode, call.sipResponseCode, `${call.to}: SIP code`);
      assert.equal(a.durationSec, call.durationSec, `${call.to}: duration`);
    }
    // and the outcome table held: 0 → invalid, 1 → busy, 2 → no-answer, 3 → machine, 4 → opted out, 6 → converted
    const outcome = (d: string) => rows.find((r) => mine.find((c) => c.sid === r.providerSid)?.to.endsWith(d))?.outcome;
    assert.deepEqual(['0', '1', '2', '3', '4', '6', '7'].map(outcome), ['invalid', 'busy', 'no-answer', 'machine', 'opted-out', 'converted', 'answered']);
    assert.equal(new Set(rows.map((r) => r.providerSid)).size, rows.length, 'no call doubled');
    const invalid = await sys.sql`select status from contacts where phone = any(${phones.filter((p) => p.endsWith('0'))})`;
    assert.ok(invalid.length === 50 && invalid.every((c) => c.status === 'invalid'), 'numbers that do not exist are marked invalid');
  });

  test('the summary report agrees with the carrier, live', async () => {
    await sys.sim.idle();
    const res = await sys.call('GET', '/v1/reports/summary');
    assert.equal(res.status, 200);
    const r = (await res.json()) as { attempted: number; delivered: number; invalid: number; converted: number; optedOut: number; answered: number; dialSuccessRate: number; byLine: Array<{ lineId: string; attempted: number }> };
    const calls = [...sys.sim.calls.values()];
    assert.equal(r.attempted, calls.length, 'one attempt per carrier call');
    assert.equal(r.delivered, calls.filter((c) => ['completed', 'busy', 'no-answer'].includes(c.status)).length);
    assert.equal(r.answered, calls.filter((c) => c.status === 'completed' && c.answeredBy === 'human').length);
    assert.deepEqual([r.invalid, r.optedOut], [50, 50]);
    assert.equal(r.converted, calls.filter(convertedOnCarrier).length, 'key 1, or a speaking callee asking for a discount');
    assert.equal(r.byLine.find((l) => l.lineId === 'sim-standard')?.attempted, calls.filter((c) => c.from === standard.fromNumber).length);
    assert.ok(r.dialSuccessRate > 0.8 && r.dialSuccessRate < 1);
    const bad = await sys.call('GET', '/v1/reports/summary?from=yesterday');
    assert.equal(bad.status, 400);
  });

  test('duplicate and out-of-order callbacks end in the same state', async () => {
    sys.sim.setProfile(standard.fromNumber, { duplicateRate: 1, reorder: true });
    try {
      const phones = numbers('510', 20);
      await send(phones);
      await firstAttemptsDone(phones);
      await sys.sim.idle();
      const calls = [...sys.sim.calls.values()].filter((c) => phones.includes(c.to));
      const rows = await sys.db.select().from(attempts).where(inArray(attempts.providerSid, calls.map((c) => c.sid)));
      for (const call of calls.filter((c) => TERMINAL.includes(c.status))) {
        const a = rows.find((r) => r.providerSid === call.sid)!;
        assert.equal(a.status, call.status, `${call.to}`);
      }
      const events = await sys.db.select().from(callEvents).where(inArray(callEvents.providerSid, calls.map((c) => c.sid)));
      const keys = events.map((e) => `${e.providerSid}/${e.status}/${e.sequenceNumber}`);
      assert.equal(new Set(keys).size, keys.length, 'each callback stored once');
    } finally {
      sys.sim.setProfile(standard.fromNumber, { duplicateRate: 0, reorder: false });
    }
  });

  test('webhooks: missing, forged and altered signatures get 403 and change nothing; an exact replay changes nothing', async () => {
    const [a] = await sys.db.select().from(attempts).where(eq(attempts.status, 'completed')).limit(1);
    assert.ok(a);
    const url = `${sys.apiUrl}/twilio/status/${a.id}`;
    // signed by the line the attempt was placed on, as the carrier signs it
    const line = simulatorLines.find((l) => l.id === a.lineId)!;
    const params = { AccountSid: line.accountSid, CallSid: a.providerSid!, CallStatus: 'completed', SequenceNumber: '3', CallDuration: String(a.durationSec) };
    const post = (p: Record<string, string>, sig?: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sig ? { 'x-twilio-signature': sig } : {}) }, body: new URLSearchParams(p) });
    const good = twilioSignature(line.authToken, url, params);
    assert.equal((await post(params)).status, 403, 'missing');
    assert.equal((await post(params, twilioSignature('not-the-token', url, params))).status, 403, 'forged');
    assert.equal((await post({ ...params, CallStatus: 'busy' }, good)).status, 403, 'replayed with an altered parameter');
    assert.equal((await post(params, good)).status, 204, 'an exact replay is accepted…');
    const [after] = await sys.db.select().from(attempts).where(eq(attempts.id, a.id));
    assert.deepEqual({ ...after, lastSequence: 0 }, { ...a, lastSequence: 0 }, '…and changes nothing');
  });

  test('SMS replies TD, 退订, STOP opt out at once, stop the cadence, and later sends fail with 21610 at the carrier', async () => {
    const tz = afternoonZone();
    for (const [phone, body] of [
      ['+8613800138011', ' td '],
      ['+8613800138021', '退订'],
      ['+8613800138031', 'Stop.'],
    ] as const) {
      const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: tz } });
      assert.equal(res.status, 202);
      const { contactId } = (await res.json()) as { contactId: string };
      const inbound = await fetch(`${sys.simUrl}/sim/sms/inbound`, { method: 'POST', body: JSON.stringify({ from: phone, to: standard.fromNumber, body }) });
      assert.equal(((await inbound.json()) as { webhookStatus: number }).webhookStatus, 200);
      const [dnc] = await sys.db.select().from(optOuts).where(eq(optOuts.phone, phone));
      assert.equal(dnc?.source, 'sms', `${body} opts out`);
      await eventually(async () => {
        const c = (await (await sys.call('GET', `/v1/contacts/${contactId}`)).json()) as { cadence: { optedOut: boolean } | null };
        return c.cadence?.optedOut;
      }, 20_000, `${phone}'s cadence to stop`);
      // the carrier keeps its own blocklist: a later text from that line is refused with 21610
      const client = createCarrier({ keyring: testKeyring(), apiBaseUrl: sys.simUrl }).client(standard);
      await assert.rejects(client.messages.create({ to: phone, from: standard.fromNumber, body: 'hello' }), (err: { code?: number }) => err.code === 21610);
    }
  });

  test('a call the carrier placed but answered 500 (the answer lost): its callbacks apply at once, not after the 15-minute reconciliation', async () => {
    // the create is processed and answered 500; the lookup that finds the call is slowed, so its
    // callbacks (a short no-answer) arrive while the attempt is still recorded as a carrier failure
    for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { loseResponseRate: 1, latencyMs: 400 });
    const phones = numbers('917', 5, 2);
    try {
      await send(phones);
      await eventually(
        async () => {
          const rows = await sys.sql`select a.status, a.outcome, a.provider_sid from attempts a join contacts c on c.id = a.contact_id where c.phone = any(${phones})`;
          return phones.length === new Set(rows.map((r) => r.provider_sid)).size && rows.filter((r) => r.status === 'no-answer' && r.outcome === 'no-answer').length >= phones.length;
        },
        60_000,
        "each call's outcome from its callback",
      );
    } finally {
      for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { loseResponseRate: 0, latencyMs: 0 });
    }
    await sys.sim.idle();
    const calls = [...sys.sim.calls.values()].filter((c) => phones.includes(c.to));
    const rows = await sys.sql`select a.provider_sid from attempts a join contacts c on c.id = a.contact_id where c.phone = any(${phones}) and a.provider_sid is not null`;
    assert.equal(rows.length, calls.length, 'one attempt per carrier call: none doubled, none unknown');
  });

  test('a line at 30% failures is failed over: new calls move to the next line, none lost or doubled', async () => {
    sys.sim.setProfile(standard.fromNumber, { failureRate: 0.3 });
    try {
      const phones = numbers('650', 80, 7); // people who answer and listen
      await send(phones);
      await eventually(async () => {
        const [l] = await sys.db.select().from(lines).where(eq(lines.id, 'sim-standard'));
        return l?.state === 'failed';
      }, 120_000, 'sim-standard to be failed over');
      // every person is reached exactly once: carrier failures are retried on a healthy line
      await eventually(
        async () => {
          const rows = await sys.sql`select c.phone, count(*) filter (where a.status = 'completed')::int as reached from attempts a join contacts c on c.id = a.contact_id where c.phone = any(${phones}) group by c.phone`;
          return rows.length === phones.length && rows.every((r) => r.reached === 1);
        },
        180_000,
        'every number reached exactly once',
      );
      const rows = await sys.sql`select a.line_id, a.outcome from attempts a join contacts c on c.id = a.contact_id where c.phone = any(${phones})`;
      assert.ok(rows.some((r) => r.line_id === 'sim-backup'), 'calls moved to the backup line');
      const failuresOnBackup = rows.filter((r) => r.line_id === 'sim-backup' && r.outcome === 'carrier-failure').length;
      assert.equal(failuresOnBackup, 0);
      await sys.sim.idle();
      const delivered = [...sys.sim.calls.values()].filter((c) => phones.includes(c.to) && c.status === 'completed');
      assert.equal(delivered.length, phones.length, 'the carrier delivered one call per person');
    } finally {
      sys.sim.setProfile(standard.fromNumber, { failureRate: 0 });
    }
  });
});
