/**
 * Temporal down for 30 s while a CRM keeps sending events: every event is accepted (202, never a
 * 5xx) into the inbox, its delivery failures are recorded (as CRM interface errors, without phone
 * numbers), and once Temporal is back every event reaches its cadence. This file runs its own
 * Temporal dev server, file-backed so it can be stopped and started again on the same port.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../scripts/lib/ports';
import { startTemporalDevServer, type EmbeddedTemporal } from '../scripts/lib/temporal';
import { eventually, quietRuntime, startSystem, type System } from './helpers/system';
import { zoneAt } from './helpers/zones';

const OUTAGE_MS = 30_000;

describe('Temporal down while events arrive', () => {
  let dir: string;
  let server: { port: number; uiPort: number; dbFilename: string };
  let temporal: EmbeddedTemporal | undefined;
  let sys: System | undefined;
  /** Starts (or restarts) the server on its port and file; the port may take a moment to be free again. */
  const startTemporal = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        temporal = await startTemporalDevServer({ ...server });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  before(async () => {
    quietRuntime(); // before the dev server's client instantiates the SDK runtime
    dir = await mkdtemp(path.join(tmpdir(), 'redial-outage-'));
    server = { port: await freePort(), uiPort: await freePort(), dbFilename: path.join(dir, 'temporal.db') };
    await startTemporal();
    sys = await startSystem({ temporalAddress: temporal!.address });
  });
  after(async () => {
    await sys?.stop();
    await temporal?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('every event is accepted during the outage and delivered once Temporal is back', async () => {
    const s = sys!;
    const night = zoneAt(23); // cadences sleep: no calls, only delivery is under test
    const post = (phone: string, type = 'lead.created') => s.call('POST', '/v1/events', { type, phone, contact: { timeZone: night } });
    const status = async (id: string) => (await (await s.call('GET', `/v1/events/${id}`)).json()) as { state: string; attempts: number; lastError: string | null };

    const before = (await (await post('+14155558001')).json()) as { eventId: string };
    await eventually(async () => (await status(before.eventId)).state === 'delivered', 30_000, 'delivery while Temporal is up');

    await temporal!.stop();
    const down = Date.now();
    const answers: number[] = [];
    const accepted: Array<{ eventId: string; workflowId: string }> = [];
    for (let i = 0; Date.now() - down < OUTAGE_MS; i++) {
      // a new contact each time, and a second event for the first contact (its order must hold)
      const res = await post(i % 5 === 4 ? '+14155558001' : `+1415555${String(8100 + i)}`, i % 5 === 4 ? 'payment.due' : 'lead.created');
      answers.push(res.status);
      if (res.status === 202) accepted.push((await res.json()) as { eventId: string; workflowId: string });
      await new Promise((r) => setTimeout(r, 1500));
    }
    assert.ok(answers.length >= 15, `${answers.length} events sent`);
    assert.deepEqual(answers, answers.map(() => 202), 'every answer is 202, never a 5xx');

    const waiting = await status(accepted[0]!.eventId);
    assert.equal(waiting.state, 'queued');
    assert.ok(waiting.attempts >= 1, 'delivery was tried');
    assert.ok(waiting.lastError, 'and the reason kept');
    assert.doesNotMatch(waiting.lastError!, /\+\d{7}/, 'no phone number in the error');
    const crm = await s.sql`select error from interface_errors where interface = 'crm'`;
    assert.ok(crm.length >= 1, 'the CRM interface counts the failed deliveries');
    for (const r of crm) assert.doesNotMatch(r.error as string, /\+\d{7}/);

    await startTemporal();
    const up = Date.now();
    await eventually(async () => {
      const rows = await s.sql`select count(*)::int as n from inbox_events where state = 'delivered'`;
      return rows[0]!.n === accepted.length + 1;
    }, 60_000, 'every event to be delivered after the restart');
    const drained = Date.now() - up;
    const failed = await s.sql`select event_id, last_error from inbox_events where state <> 'delivered'`;
    assert.deepEqual([...failed], []);
    const logged = s.errors.map((e) => String((e as [string])[0]));
    assert.ok(logged.some((m) => /delivery to Temporal failing/.test(m)), 'the outage is logged once it starts');
    assert.ok(logged.some((m) => /delivery to Temporal works again/.test(m)), 'and when it ends');
    assert.ok(logged.filter((m) => /failing/.test(m)).length <= 2, 'not once per event');
    for (const m of logged) assert.doesNotMatch(m, /\+\d{7}/, 'no phone number in a log line');
    for (const a of accepted) {
      const d = await s.temporal.workflow.getHandle(a.workflowId).describe();
      assert.equal(d.status.name, 'RUNNING', `the cadence of ${a.eventId} exists`);
    }
    console.log(`# ${accepted.length} events accepted in a ${OUTAGE_MS / 1000} s outage, all delivered ${(drained / 1000).toFixed(1)} s after Temporal was back`);
  });
});
