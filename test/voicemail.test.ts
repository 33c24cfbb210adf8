/**
 * Voicemail drop through the real path (the simulator's numbers ending in 3 are answered by a
 * machine): with answeringMachine 'voicemail' the first machine answer for a contact and campaign
 * hears the message, every later or concurrent one is hung up; 'like-no-answer' always hangs up.
 * Either way the attempt records it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { claimVoicemailDrop } from '../db/queries/voicemail';
import { attempts, contacts, voicemailDrops } from '../db/schema';
import { simulatorLines } from '../sim/defaults';
import { twilioSignature } from '../sim/signature';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

const standard = simulatorLines.find((l) => l.id === 'sim-standard')!;
const VOICEMAIL = 'Hello, this is Acme Academy about the course you asked about.';

describe('voicemail drop per strategy', () => {
  const sys = useSystem();
  const campaign = 'vm-once';

  const enrol = async (phone: string, campaignId?: string) => {
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, ...(campaignId ? { campaignId } : {}), contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202, await res.clone().text());
    return ((await res.json()) as { contactId: string }).contactId;
  };
  const callsOf = (contactId: string) => sys.db.select().from(attempts).where(eq(attempts.contactId, contactId)).orderBy(attempts.reservedAt);

  test("two machine answers for one contact and campaign: the voicemail is left once, the second call hangs up", async () => {
    const res = await sys.call('POST', '/v1/campaigns', {
      id: campaign,
      name: 'Voicemail once',
      strategy: { answeringMachine: 'voicemail', voicemail: { text: VOICEMAIL, callbackNumber: '400-800-1234' }, redialDelaysMinutes: [1], jitterSeconds: 0, maxAttempts: 2 },
    });
    assert.equal(res.status, 201, await res.clone().text());
    const phone = '+8613800138203';
    const contactId = await enrol(phone, campaign);
    // the redial after a machine waits the strategy's one minute
    const rows = await eventually(async () => {
      const r = await callsOf(contactId);
      return r.length === 2 && r.every((a) => a.status === 'completed') ? r : null;
    }, 150_000, 'two calls, both answered by the machine');
    assert.deepEqual(rows.map((a) => [a.outcome, a.answeredBy, a.voicemail]), [
      ['machine', 'machine_start', 'left'],
      ['machine', 'machine_start', 'hung-up'],
    ]);
    await sys.sim.idle();
    const calls = [...sys.sim.calls.values()].filter((c) => c.to === phone).sort((a, b) => a.createdAt - b.createdAt);
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0]!.said, [`${VOICEMAIL} Please call us back at 4 0 0 8 0 0 1 2 3 4.`], 'the first machine heard the message');
    assert.deepEqual(calls[1]!.said, [], 'the second was hung up at once');
    assert.equal(calls[0]!.params.MachineDetection, 'DetectMessageEnd', 'the message waits for the greeting to end');
    const drops = await sys.db.select().from(voicemailDrops).where(eq(voicemailDrops.contactId, contactId));
    assert.deepEqual(drops.map((d) => d.attemptId), [rows[0]!.id]);
  });

  test('two machine answers at the same moment: exactly one TwiML leaves the voicemail; a refetch of that call plays it again', async () => {
    const [contact] = await sys.db.insert(contacts).values({ tenant: sys.tenant, phone: '+8613800138213', timeZone: afternoonZone() }).returning();
    const inserted = await sys.db
      .insert(attempts)
      .values([1, 2].map((i) => ({ idempotencyKey: `vm-race-${randomUUID()}#${i}`, contactId: contact!.id, campaignId: campaign, workflowId: 'vm-race', channel: 'call', strategyVersion: 1, localDay: '2026-01-01', lineId: standard.id, status: 'in-progress' })))
      .returning({ id: attempts.id });
    const voice = (attemptId: string) => {
      const url = `${sys.apiUrl}/twilio/voice/${attemptId}`;
      const params = { AccountSid: standard.accountSid, CallSid: `CA${attemptId.replace(/-/g, '')}`, CallStatus: 'in-progress', AnsweredBy: 'machine_start' };
      return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(standard.authToken, url, params) }, body: new URLSearchParams(params) }).then((r) => r.text());
    };
    const docs = await Promise.all(inserted.map((a) => voice(a.id)));
    const leaving = docs.filter((d) => d.includes('<Say'));
    assert.equal(leaving.length, 1, docs.join('\n'));
    assert.ok(leaving[0]!.includes('Acme Academy'));
    assert.ok(docs.find((d) => !d.includes('<Say'))!.includes('<Hangup/>'));
    const winner = inserted[docs.indexOf(leaving[0]!)]!.id;
    assert.ok((await voice(winner)).includes('Acme Academy'), 'the same call fetching its TwiML again hears the same message');
    const rows = await sys.db.select().from(attempts).where(eq(attempts.contactId, contact!.id));
    assert.deepEqual(rows.map((r) => r.voicemail).sort(), ['hung-up', 'left']);
    // and at the query itself: of many concurrent claims one wins
    const claims = await Promise.all(Array.from({ length: 8 }, () => claimVoicemailDrop(sys.db, { contactId: contact!.id, campaignId: 'vm-race-2', attemptId: randomUUID() })));
    assert.equal(claims.filter(Boolean).length, 1);
  });

  test("'like-no-answer' (the default): a machine is hung up on, and the attempt says so", async () => {
    const phone = '+8613800138223';
    const contactId = await enrol(phone);
    const [a] = await eventually(async () => {
      const r = await callsOf(contactId);
      return r[0]?.status === 'completed' ? r : null;
    }, 30_000, 'the machine-answered call');
    assert.deepEqual([a!.outcome, a!.voicemail], ['machine', 'hung-up']);
    await sys.sim.idle();
    const [call] = [...sys.sim.calls.values()].filter((c) => c.to === phone);
    assert.deepEqual(call!.said, [], 'no message, no announcement');
    assert.equal(call!.params.MachineDetection, 'Enable');
    assert.equal((await sys.db.select().from(voicemailDrops).where(eq(voicemailDrops.contactId, contactId))).length, 0);
  });
});
