/** The pure rules behind SMS replies and voicemail drops: keywords, who START may lift, the message left, the callback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cs from '../domain/cadence-state';
import { isOptOutReply, isResubscribeReply, resubscribeLifts } from '../domain/opt-out-words';
import { messageOutcome, MESSAGE_PROGRESS, MESSAGE_TERMINAL } from '../domain/outcomes';
import { strategySchema } from '../domain/strategy';
import { voicemailScript, wantsVoicemail } from '../domain/voicemail';

test('START, UNSTOP and YES resubscribe however they are typed; opt-out words and chat do not', () => {
  for (const w of ['START', ' start ', 'Start!', 'ＳＴＡＲＴ', 'unstop', 'Yes.']) assert.ok(isResubscribeReply(w), w);
  for (const w of ['TD', '退订', 'STOP', 'yes please', 'restart', '恢复', '订阅', '']) assert.ok(!isResubscribeReply(w), w);
  for (const w of ['START', 'YES']) assert.ok(!isOptOutReply(w), w);
});

test('a resubscribe lifts only an opt-out given by SMS', () => {
  assert.ok(resubscribeLifts('sms'));
  for (const s of ['dtmf', 'operator', 'api', 'admin']) assert.ok(!resubscribeLifts(s), s);
});

test('the voicemail: its text and the callback number read digit by digit; the announcement when none is set', () => {
  const s = strategySchema.parse({ answeringMachine: 'voicemail', voicemail: { text: 'Hello from Acme about your course.', callbackNumber: '+1 (415) 555-0100' } });
  assert.ok(wantsVoicemail(s));
  assert.equal(voicemailScript(s).text, 'Hello from Acme about your course. Please call us back at 1 4 1 5 5 5 5 0 1 0 0.');
  const zh = strategySchema.parse({ answeringMachine: 'voicemail', announcement: { text: '您好', language: 'zh-CN' }, voicemail: { text: '您好，这里是课程顾问。', callbackNumber: '4008001234' } });
  assert.equal(voicemailScript(zh).text, '您好，这里是课程顾问。 请回电 4 0 0 8 0 0 1 2 3 4。');
  const bare = strategySchema.parse({ answeringMachine: 'voicemail' });
  assert.deepEqual(voicemailScript(bare), { text: bare.announcement.text, language: 'en-US' });
  assert.ok(!wantsVoicemail(strategySchema.parse({})), 'the default counts a machine like no answer');
});

test('SMS statuses: terminal ones map to sms-delivered / sms-failed, progress moves forward only', () => {
  assert.equal(messageOutcome('delivered'), 'sms-delivered');
  assert.equal(messageOutcome('undelivered'), 'sms-failed');
  assert.equal(messageOutcome('failed'), 'sms-failed');
  assert.ok(MESSAGE_TERMINAL.has('delivered') && !MESSAGE_TERMINAL.has('sent'));
  assert.ok(MESSAGE_PROGRESS.indexOf('sent') > MESSAGE_PROGRESS.indexOf('queued'));
});

function cadenceWith(sms: Record<string, unknown> | null) {
  const s = cs.initialState({ tenant: 't', phone: '+8613800138002', contactId: 'c', timeZone: 'Asia/Shanghai' });
  const strategy = strategySchema.parse({ sms, redialDelaysMinutes: [600], jitterSeconds: 0, maxCallsPerDay: 3 });
  const t0 = Date.UTC(2027, 5, 15, 6); // 14:00 in Shanghai
  cs.applyEvent(s, { id: 'e1', type: 'lead.created', campaignId: 'camp', occurredAt: t0, strategy, strategyVersion: 1 }, t0);
  cs.applyGranted(s, s.followUps[0]!.id, 'call', t0, strategy, 1);
  cs.applyOutcome(s, s.followUps[0]!.id, 'call', 'no-answer', t0 + 60_000);
  return { s, t0 };
}

test('a reply with onReply callback brings the next call forward to the first allowed instant; record leaves it', () => {
  const { s, t0 } = cadenceWith({ afterUnansweredCalls: 1, text: 'We tried to call you', onReply: 'callback' });
  const f = s.followUps[0]!;
  cs.applyGranted(s, f.id, 'sms', t0 + 70_000, f.strategy, 1);
  // a call and a text spent two of the day's contacts: a ceiling of 3 leaves room for the callback
  const before = cs.planNext(s, t0 + 120_000, 0, 3);
  assert.equal(before?.channel, 'call');
  assert.ok(before!.at >= t0 + 600 * 60_000, 'without a reply the redial waits its delay');
  assert.ok(cs.applyReply(s, 'camp', t0 + 120_000));
  const after = cs.planNext(s, t0 + 120_000, 0, 3);
  assert.deepEqual([after?.channel, after?.at], ['call', t0 + 120_000]);
  // under the default ceiling of 2 the budget is spent: the callback is the first contact of tomorrow
  const capped = cs.planNext(s, t0 + 120_000, 0, 2);
  assert.equal(capped?.waitedFor[0], 'daily-cap');
  assert.equal(new Date(capped!.at).toISOString(), '2027-06-16T00:00:00.000Z', '08:00 the next morning in Shanghai');
  assert.ok(!cs.applyReply(s, 'other-campaign', t0 + 120_000), 'a reply about another campaign moves nothing');

  const rec = cadenceWith({ afterUnansweredCalls: 1, text: 'We tried to call you', onReply: 'record' });
  assert.ok(!cs.applyReply(rec.s, 'camp', rec.t0 + 120_000));
  const opted = cadenceWith({ afterUnansweredCalls: 1, text: 'x', onReply: 'callback' });
  cs.optOut(opted.s);
  assert.ok(!cs.applyReply(opted.s, 'camp', opted.t0), 'an opted-out cadence is never called back');
});

test('the callback still keeps quiet hours: a reply at night is called back in the morning', () => {
  const { s, t0 } = cadenceWith({ afterUnansweredCalls: 1, text: 'x', onReply: 'callback' });
  const night = t0 + 9 * 3600_000; // 23:00 in Shanghai
  assert.ok(cs.applyReply(s, 'camp', night));
  const plan = cs.planNext(s, night, 0, 3);
  assert.equal(new Date(plan!.at).toISOString(), '2027-06-16T00:00:00.000Z', '08:00 the next morning');
  assert.deepEqual(plan!.waitedFor, ['quiet-hours']);
});
