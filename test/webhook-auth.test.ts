/**
 * Carrier webhook signatures through the real system: a call's webhooks must be signed with the
 * token of the line its attempt was placed on, an inbound SMS with the token of the line texted;
 * a line closed long enough ago signs nothing; a redelivery with an idempotency token already
 * handled changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulatorLines } from '../sim/defaults';
import { twilioSignature } from '../sim/signature';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

const line = (id: string) => simulatorLines.find((l) => l.id === id)!;

describe('carrier webhooks are signed by their own line', () => {
  const sys = useSystem();

  const post = (path: string, params: Record<string, string>, token: string | null, headers: Record<string, string> = {}) => {
    const url = `${sys.apiUrl}${path}`;
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { 'x-twilio-signature': twilioSignature(token, url, params) } : {}), ...headers },
      body: new URLSearchParams(params),
    });
  };

  /** A call that completed (the callee listens: last digit 7), its attempt and the line it went out on. */
  const completedCall = async (phone: string) => {
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202, await res.text());
    const [a] = await eventually(async () => {
      const rows = await sys.sql`select a.* from attempts a join contacts c on c.id = a.contact_id where c.phone = ${phone} and a.status = 'completed'`;
      return rows.length ? rows : null;
    }, 60_000, 'the call to complete');
    return { id: a!.id as string, sid: a!.provider_sid as string, lineId: a!.line_id as string };
  };

  test("a status callback signed with another line's token, or naming another account, is refused; the attempt's own line is accepted", async () => {
    const a = await completedCall('+14155550217');
    const own = line(a.lineId);
    const other = simulatorLines.find((l) => l.id !== a.lineId)!;
    const params = (accountSid: string) => ({ AccountSid: accountSid, CallSid: a.sid, CallStatus: 'busy', SequenceNumber: '9' });
    const events = async () => Number((await sys.sql`select count(*)::int as n from call_events where provider_sid = ${a.sid}`)[0]!.n);
    const before = await events();
    // before: any line's token validated a request naming that line's account
    assert.equal((await post(`/twilio/status/${a.id}`, params(other.accountSid), other.authToken)).status, 403, "another line's account and token");
    assert.equal((await post(`/twilio/status/${a.id}`, params(own.accountSid), other.authToken)).status, 403, "the own account, another line's token");
    assert.equal((await post(`/twilio/status/${a.id}`, params(other.accountSid), own.authToken)).status, 403, 'the own token, another account named');
    assert.equal((await post(`/twilio/voice/${a.id}`, params(other.accountSid), other.authToken)).status, 403, 'TwiML too');
    assert.equal((await post(`/twilio/gather/${a.id}`, { ...params(other.accountSid), Digits: '0' }, other.authToken)).status, 403, 'a forged opt-out by key press');
    assert.equal((await post('/twilio/status/not-an-attempt', params(own.accountSid), own.authToken)).status, 403, 'an unknown attempt');
    assert.equal(await events(), before, 'nothing refused was stored');
    const [state] = await sys.sql`select status from attempts where id = ${a.id}`;
    assert.equal(state!.status, 'completed');
    // the carrier's own signature still passes (a late duplicate: stored, the terminal status kept)
    assert.equal((await post(`/twilio/status/${a.id}`, params(own.accountSid), own.authToken)).status, 204);
    assert.equal(await events(), before + 1);
    assert.equal((await sys.sql`select status from attempts where id = ${a.id}`)[0]!.status, 'completed');
  });

  test('a closed line signs the callbacks of calls in flight for 4 hours after closing, then nothing', async () => {
    const a = await completedCall('+14155550227');
    const own = line(a.lineId);
    const params = { AccountSid: own.accountSid, CallSid: a.sid, CallStatus: 'completed', SequenceNumber: '10' };
    try {
      await sys.sql`update lines set state = 'closed', state_changed_at = now() - interval '1 hour' where id = ${own.id}`;
      assert.equal((await post(`/twilio/status/${a.id}`, params, own.authToken)).status, 204, 'closed an hour ago: a call placed before may still report');
      await sys.sql`update lines set state = 'closed', state_changed_at = now() - interval '5 hours' where id = ${own.id}`;
      assert.equal((await post(`/twilio/status/${a.id}`, { ...params, SequenceNumber: '11' }, own.authToken)).status, 403, 'closed 5 hours ago: its token counts no more');
    } finally {
      await sys.sql`update lines set state = 'active', state_changed_at = now() where id = ${own.id}`;
    }
  });

  test("an inbound SMS must be signed by the line it was sent to; a handled redelivery (same I-Twilio-Idempotency-Token) changes nothing", async () => {
    const [premium, standard] = [line('sim-premium'), line('sim-standard')];
    const from = '+14155550237';
    const sms = { AccountSid: standard.accountSid, MessageSid: 'SMforged1', From: from, To: standard.fromNumber, Body: 'TD' };
    const optedOut = async () => (await sys.sql`select 1 from opt_outs where tenant = ${sys.tenant} and phone = ${from}`).length > 0;
    assert.equal((await post('/twilio/sms/inbound', { ...sms, AccountSid: premium.accountSid }, premium.authToken)).status, 403, "another line's token");
    assert.equal((await post('/twilio/sms/inbound', { ...sms, To: '+15005550199' }, standard.authToken)).status, 403, 'to a number that is no line of ours');
    assert.equal(await optedOut(), false, 'no forged opt-out');

    const token = `idem-${Date.now()}`;
    const first = await post('/twilio/sms/inbound', { ...sms, MessageSid: 'SMreal1' }, standard.authToken, { 'i-twilio-idempotency-token': token });
    assert.equal(first.status, 200);
    assert.match(await first.text(), /unsubscribed/);
    assert.equal(await optedOut(), true);
    // an admin takes the number off the list; the carrier then redelivers the old webhook
    await sys.sql`delete from opt_outs where tenant = ${sys.tenant} and phone = ${from}`;
    const again = await post('/twilio/sms/inbound', { ...sms, MessageSid: 'SMreal1' }, standard.authToken, { 'i-twilio-idempotency-token': token });
    assert.equal(again.status, 200);
    assert.doesNotMatch(await again.text(), /unsubscribed/);
    assert.equal(await optedOut(), false, 'the redelivery did not act again');
    assert.equal((await sys.sql`select count(*)::int as n from webhook_receipts where token = ${token}`)[0]!.n, 1);
    // a delivery that was not handled is not remembered: the carrier's retry of it is acted on
    const retried = `idem-retried-${Date.now()}`;
    const [done] = await sys.sql`select id, provider_sid, line_id from attempts where status = 'completed' and line_id is not null limit 1`;
    const own = line(done!.line_id as string);
    const status = { AccountSid: own.accountSid, CallSid: done!.provider_sid as string, CallStatus: 'completed', SequenceNumber: '12' };
    const { CallStatus: _missing, ...incomplete } = status;
    assert.equal((await post(`/twilio/status/${done!.id}`, incomplete, own.authToken, { 'i-twilio-idempotency-token': retried })).status, 400);
    assert.equal((await sys.sql`select count(*)::int as n from webhook_receipts where token = ${retried}`)[0]!.n, 0, 'a failed delivery is not remembered');
    assert.equal((await post(`/twilio/status/${done!.id}`, status, own.authToken, { 'i-twilio-idempotency-token': retried })).status, 204);
    assert.equal((await sys.sql`select count(*)::int as n from call_events where provider_sid = ${status.CallSid} and sequence_number = 12`)[0]!.n, 1, 'the retry was acted on');
    assert.equal((await sys.sql`select count(*)::int as n from webhook_receipts where token = ${retried}`)[0]!.n, 1);
  });

  test("the simulator sends an idempotency token with every webhook and each is remembered once handled", async () => {
    await completedCall('+14155550247');
    const n = Number((await sys.sql`select count(*)::int as n from webhook_receipts `)[0]!.n);
    assert.ok(n >= 4, `${n} webhooks remembered (status callbacks; the TwiML fetch, which changes nothing, is answered again)`);
  });
});
