/**
 * kill -9 of the worker while 200 cadences have calls in flight — some calls ringing, some just
 * accepted by the carrier whose answer the worker never read — then a new worker: every contact is
 * called exactly as often as its behaviour asks, with the simulator's log as the ground truth.
 * Real parts throughout: PostgreSQL, a file-backed Temporal dev server, the API and the worker as
 * child processes, the real twilio client against the simulator.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { zoneAtLocalHour } from '../domain/local-time';
import { simulatorLines } from '../sim/defaults';
import { startCluster, type Cluster } from '../scripts/lib/soak/cluster';
import { attemptIdOf, type SimCallView } from '../scripts/lib/soak/reconcile';
import { eventually } from './helpers/system';

const premium = simulatorLines.find((l) => l.tier === 'premium')!;

/** The i-th number ending in `digit` (the simulator's behaviour: 7 listens, 6 presses 1, 2 never answers). */
const number = (i: number, digit: number) => `+1628${200 + Math.floor(i / 1000)}${String((i % 1000) * 10 + digit).padStart(4, '0')}`;

describe('kill -9 of the worker with 200 cadences in flight', () => {
  let cluster: Cluster;
  let dataDir: string;
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-kill-'));
    cluster = await startCluster({ dataDir, timeScale: 0.05, log: () => {} });
  });
  after(async () => {
    await cluster?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('after a new worker starts, every contact is called exactly the expected number of times', async () => {
    const headers = { authorization: `Bearer ${cluster.adminKey}`, 'content-type': 'application/json' };
    const campaign = await fetch(`${cluster.apiUrl}/v1/campaigns`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: 'kill', name: 'kill', strategy: { maxCallsPerDay: 2, maxAttempts: 2, redialDelaysMinutes: [1], jitterSeconds: 0 } }),
    });
    assert.equal(campaign.status, 201, await campaign.text());
    // mid-day for the whole test, wherever it runs
    const zone = zoneAtLocalHour(12, Date.now());
    // standard line: 50 listen, 25 press 1, 25 never answer; premium (tag high-value): 50 listen, 50 never answer
    const people = [
      ...Array.from({ length: 50 }, (_, i) => ({ phone: number(i, 7), tags: [] as string[], calls: 1 })),
      ...Array.from({ length: 25 }, (_, i) => ({ phone: number(100 + i, 6), tags: [] as string[], calls: 1 })),
      ...Array.from({ length: 25 }, (_, i) => ({ phone: number(200 + i, 2), tags: [] as string[], calls: 2 })),
      ...Array.from({ length: 50 }, (_, i) => ({ phone: number(300 + i, 7), tags: ['high-value'], calls: 1 })),
      ...Array.from({ length: 50 }, (_, i) => ({ phone: number(400 + i, 2), tags: ['high-value'], calls: 2 })),
    ];

    // the carrier takes each call at once but answers the create 5 s late: a kill now lands after
    // the call exists and before the worker learnt its SID. On the premium line the status
    // callbacks come 150 s late too, so the retried activity cannot learn the SID from them and
    // must find the call in the carrier's list.
    cluster.setAllLines({ responseDelayMs: 5_000 });
    cluster.sim.setProfile(premium.fromNumber, { callbackDelayMs: 150_000 });
    for (let i = 0; i < people.length; i += 20)
      await Promise.all(
        people.slice(i, i + 20).map(async (p) => {
          const res = await fetch(`${cluster.apiUrl}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ type: 'lead.created', phone: p.phone, campaignId: 'kill', contact: { timeZone: zone, tags: p.tags } }) });
          assert.equal(res.status, 202, await res.text());
        }),
      );
    await eventually(async () => cluster.sim.calls.size >= 120, 60_000, 'calls to be in flight');
    const inFlightAtKill = [...cluster.sim.calls.values()].filter((c) => !['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(c.status)).length;
    await cluster.worker.kill9();
    cluster.setAllLines({ responseDelayMs: 0 });
    cluster.sim.setProfile(premium.fromNumber, { callbackDelayMs: 0 });
    assert.ok(inFlightAtKill > 0, 'calls were in flight when the worker died');
    console.log(`# ${inFlightAtKill} carrier calls in flight, ${people.length - cluster.sim.calls.size} contacts not yet dialled at the kill`);
    await cluster.worker.start();

    const callsTo = () => {
      const m = new Map<string, number>();
      for (const c of cluster.sim.calls.values()) m.set(c.to, (m.get(c.to) ?? 0) + 1);
      return m;
    };
    // the cut activities are retried after their 2-minute start-to-close timeout; redials a minute after their outcome
    const until = Date.now() + 420_000;
    while (Date.now() < until && !people.every((p) => (callsTo().get(p.phone) ?? 0) >= p.calls)) await new Promise((r) => setTimeout(r, 1000));
    // a double would come from a late retry: give it time to show, then stop everything moving
    await new Promise((r) => setTimeout(r, 20_000));
    await cluster.worker.stop();
    await cluster.sim.idle();

    const counts = callsTo();
    const wrong = people.filter((p) => counts.get(p.phone) !== p.calls).map((p) => `…${p.phone.slice(-4)}${p.tags.length ? ' (premium)' : ''}: ${counts.get(p.phone) ?? 0} calls, expected ${p.calls}`);
    assert.deepEqual(wrong, [], 'each contact called exactly as expected');

    // and each reservation has exactly one carrier call, the one PostgreSQL records
    const sim = ((await (await fetch(`${cluster.simUrl}/sim/calls`)).json()) as { calls: SimCallView[] }).calls;
    const sql = postgres(cluster.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<Array<{ id: string; provider_sid: string | null }>>`select id, provider_sid from attempts where channel = 'call'`;
      const byAttempt = new Map<string, string[]>();
      for (const c of sim) byAttempt.set(attemptIdOf(c)!, [...(byAttempt.get(attemptIdOf(c)!) ?? []), c.sid]);
      assert.equal(rows.length, sim.length, 'one reservation per carrier call');
      for (const r of rows) assert.deepEqual(byAttempt.get(r.id), [r.provider_sid], `reservation ${r.id}: its one call is the one recorded`);
    } finally {
      await sql.end();
    }
  });
});
