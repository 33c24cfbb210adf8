/**
 * Issue 14.5, the unsubscribe-failure playbook, on the real system (Temporal, PostgreSQL, the API,
 * the twilio client and the simulator): a failing opt-out self-check puts the opt-out path in safe
 * mode (answered calls offer only "press 0"), holds the self-check's number and alerts ops; a
 * passing one ends it; an operator resumes with a reason. A carrier 21610 for a number we had not
 * listed lists it (source carrier), holds its cadence and alerts ops. Everything audited.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulatorLines } from '../sim/defaults';
import { twilioSignature } from '../sim/signature';
import { dailyMaintenance } from '../workflows/maintenance';
import { SAFE_MODE_CACHE_MS } from '../services/opt-out-safety';
import { uid } from './helpers/env';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

type SafeMode = { safeMode: boolean; last: { reason: string; endedBy: string | null; endReason: string | null } | null; carrierListed: number };

describe('opt-out safety', () => {
  // a short self-check timeout: a failing DTMF check fails in seconds, not minutes
  const sys = useSystem({ maintenance: { selfCheckTimeoutMs: 8_000 } });

  const daily = async () => {
    const run = await sys.temporal.workflow.execute(dailyMaintenance, { workflowId: `daily-${uid()}`, taskQueue: sys.taskQueue });
    return run.find((r) => r.name === 'self-check-opt-out')!;
  };
  const state = async () => (await (await sys.call('GET', '/v1/operations/opt-out-safe-mode')).json()) as SafeMode;
  /** The network does not put any call through (SIP 480): the self-check's callee never presses 0. */
  const callsUnreachable = (on: boolean) => {
    for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { unreachableRate: on ? 1 : 0 });
  };
  const afterCache = () => new Promise((r) => setTimeout(r, SAFE_MODE_CACHE_MS + 200));
  const audits = async (action: string) => sys.sql`select actor, target, after from audit_log where action = ${action} order by id`;
  const signedPost = (path: string, params: Record<string, string>, token: string) => {
    const url = `${sys.apiUrl}${path}`;
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params) }, body: new URLSearchParams(params) });
  };

  test('a failing self-check: safe mode, the check’s number held, ops alerted; answered calls offer only the opt-out; a passing check ends it', async () => {
    assert.equal((await state()).safeMode, false);
    callsUnreachable(true);
    const failed = await daily();
    callsUnreachable(false);
    assert.equal(failed.status, 'attention', failed.summary);
    assert.match(failed.summary, /pressing 0 did not opt out.*safe mode entered/);

    const on = await state();
    assert.equal(on.safeMode, true);
    assert.match(on.last!.reason, /self-check failed/);
    const [alert] = await sys.sql`select severity, message from alerts where kind = 'self-check'`;
    assert.equal(alert?.severity, 'critical');
    assert.match(alert!.message as string, /Safe mode is on/);
    assert.ok(!/\d{7,}/.test(alert!.message as string), 'no phone number in the alert');
    assert.equal((await audits('opt-out-safe-mode.enter')).length, 1);
    const [selfCheckContact] = await sys.sql`select id from contacts where phone = ${sys.maintenance.selfCheckDtmfNumber!}`;
    const held = await audits('number.hold');
    assert.deepEqual(held.map((h) => h.target), [selfCheckContact!.id], 'the self-check’s number is held');

    // an answered call (the callee presses 1 for interest) hears only the opt-out menu: no conversion
    await afterCache();
    const phone = '+14155550316';
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202);
    const [a] = await eventually(async () => {
      const rows = await sys.sql`select a.id, a.outcome, a.line_id, a.status from attempts a join contacts c on c.id = a.contact_id where c.phone = ${phone} and a.ended_at is not null`;
      return rows.length ? rows : null;
    }, 60_000, 'the call to end');
    assert.equal(a!.status, 'completed');
    assert.notEqual(a!.outcome, 'converted', 'pressing 1 does nothing in safe mode');
    // the TwiML itself, as the carrier fetches it
    const line = simulatorLines.find((l) => l.id === a!.line_id)!;
    const twiml = await (await signedPost(`/twilio/voice/${a!.id}`, { AccountSid: line.accountSid, CallSid: `CA${uid()}`, AnsweredBy: 'human' }, line.authToken)).text();
    assert.match(twiml, /<Gather input="dtmf" numDigits="1"[^>]*>.*Press 0 if you do not want to be called again\.<\/Say><\/Gather>/);
    assert.ok(!twiml.includes('Press 1') && !twiml.includes('speech'), `only the opt-out is offered: ${twiml}`);

    // the fix is in: the self-check passes again (it resumes its own number first) and safe mode ends by itself
    const passed = await daily();
    assert.equal(passed.status, 'ok', passed.summary);
    assert.match(passed.summary, /safe mode ended/);
    const off = await state();
    assert.equal(off.safeMode, false);
    assert.equal(off.last!.endedBy, 'maintenance');
    assert.equal((await audits('opt-out-safe-mode.end')).length, 1);
    assert.equal((await audits('number.release')).length, 1);
    await afterCache();
    const normal = await (await signedPost(`/twilio/voice/${a!.id}`, { AccountSid: line.accountSid, CallSid: `CA${uid()}`, AnsweredBy: 'human' }, line.authToken)).text();
    assert.match(normal, /Press 1/, 'the full script is back');
  });

  test('an operator resumes with a reason (audited); without one, or without safe mode, a problem', async () => {
    callsUnreachable(true);
    assert.equal((await daily()).status, 'attention');
    callsUnreachable(false);
    assert.equal((await state()).safeMode, true);

    const noReason = await sys.call('POST', '/v1/operations/opt-out-safe-mode/resume', {});
    assert.equal(noReason.status, 400);
    assert.equal(noReason.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await noReason.json()) as { code: string }).code, 'validation_failed');

    const resumed = await sys.call('POST', '/v1/operations/opt-out-safe-mode/resume', { reason: 'gather webhook fixed; tested by a call to the test handset' });
    assert.equal(resumed.status, 200, await resumed.clone().text());
    const body = (await resumed.json()) as SafeMode;
    assert.equal(body.safeMode, false);
    assert.equal(body.last!.endReason, 'gather webhook fixed; tested by a call to the test handset');
    const [audit] = await audits('opt-out-safe-mode.resume');
    assert.ok(audit && audit.actor !== 'maintenance', 'the operator’s key');

    const again = await sys.call('POST', '/v1/operations/opt-out-safe-mode/resume', { reason: 'nothing to resume here' });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { code: string }).code, 'conflict');
  });

  test('the carrier refuses a text as unsubscribed (21610) for a number not on our list: listed (source carrier), held, ops alerted, audited', async () => {
    const phone = '+14155550412'; // does not answer: the strategy texts after one unanswered call
    // the person texted STOP to every line; the carrier blocks texts, and our record of it is lost
    for (const l of simulatorLines) {
      const r = await fetch(`${sys.simUrl}/sim/sms/inbound`, { method: 'POST', body: JSON.stringify({ from: phone, to: l.fromNumber, body: 'STOP' }) });
      assert.equal(r.status, 200);
    }
    await sys.sql`delete from opt_outs where phone = ${phone}`;
    const camp = await sys.call('POST', '/v1/campaigns', { id: 'texts', name: 'Texts', strategy: { sms: { afterUnansweredCalls: 1, text: 'We tried to call you.' } } });
    assert.equal(camp.status, 201, await camp.text());
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, campaignId: 'texts', contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202, await res.clone().text());
    const { contactId } = (await res.json()) as { contactId: string };

    const [dnc] = await eventually(async () => {
      const rows = await sys.sql`select source from opt_outs where phone = ${phone}`;
      return rows.length ? rows : null;
    }, 60_000, 'the number to be listed');
    assert.equal(dnc!.source, 'carrier');
    const [sms] = await sys.sql`select outcome from attempts where contact_id = ${contactId} and channel = 'sms'`;
    assert.equal(sms?.outcome, 'opted-out');
    const [alert] = await eventually(async () => {
      const rows = await sys.sql`select severity, message, detail from alerts where kind = 'opt-out-missed'`;
      return rows.length ? rows : null;
    }, 10_000, 'the alert');
    assert.equal(alert!.severity, 'critical');
    assert.ok(!(alert!.message as string).includes('4155550412') && !JSON.stringify(alert!.detail).includes('4155550412'), 'no phone number in the alert');
    assert.deepEqual((await audits('opt-out.carrier')).map((x) => x.target), [contactId]);
    assert.ok((await audits('number.hold')).some((x) => x.target === contactId), 'its cadence is held');
    assert.equal((await state()).carrierListed, 1);
    // and nothing more goes to it
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await sys.sql`select count(*)::int as n from attempts where contact_id = ${contactId}`)[0]!.n, 2, 'the call and the refused text, nothing after');
  });
});

