/** An opt-out while the phone rings hangs the call up at the carrier at once. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { attempts } from '../db/schema';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

describe('cancel a ringing call', () => {
  const sys = useSystem({ timeScale: 0.2 }); // a no-answer call rings ~6 s here

  test('an operator opt-out during ringing cancels the call through the twilio client', async () => {
    const phone = '+14155550162';
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: afternoonZone() } });
    const { contactId } = (await res.json()) as { contactId: string };
    const ringing = await eventually(async () => [...sys.sim.calls.values()].find((c) => c.to === phone && c.status === 'ringing'), 10_000, 'the call to ring');
    assert.equal((await sys.call('POST', `/v1/contacts/${contactId}/opt-out`)).status, 200);
    await eventually(async () => sys.sim.calls.get(ringing.sid)?.endedAt, 5_000, 'the carrier to end the call');
    assert.equal(sys.sim.calls.get(ringing.sid)!.status, 'canceled');
    const [a] = await eventually(async () => {
      const rows = await sys.db.select().from(attempts).where(eq(attempts.providerSid, ringing.sid));
      return rows[0]?.status === 'canceled' ? rows : null;
    }, 5_000, 'the attempt to record the cancel');
    assert.ok(a!.endedAt);
    assert.equal([...sys.sim.calls.values()].filter((c) => c.to === phone).length, 1, 'and no call after it');
  });
});
