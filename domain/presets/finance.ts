/**
 * Finance (repayment reminders, collection): every call recorded and kept ≥ 365 days; strict
 * wording — what the call is about and how to opt out, no threats, no pressure, no third
 * parties (domain/sensitive-words.ts screens every script and call); one call a day at most,
 * one call a day (the day's second contact is the reminder SMS), never before 09:00 or after 20:00; a reminder SMS with the repayment page.
 */
import type { Preset } from './preset';
import { quietCovers } from './preset';

export const finance: Preset = {
  industry: 'finance',
  version: 1,
  title: 'Finance: repayment reminders',
  description:
    'Repayment reminders on payment.due: every call recorded (retention 365 days), calls only between 09:00 and 20:00, one a day with the reminder SMS (after an unanswered call) as the second contact, strict wording (the sensitive-word screen for finance applies to the strategy, scripts and transcripts), and a reminder SMS with the repayment page after an unanswered call. Stops on payment.received.',
  override: ['sms.text', 'announcement.text'],
  strategy: {
    triggers: ['payment.due'],
    firstContactWithinMinutes: { 'payment.due': 1440 },
    firstContactAfterMinutes: {},
    quietHours: { start: '20:00', end: '09:00' },
    maxCallsPerDay: 2,
    maxAttempts: 4,
    redialDelaysMinutes: [1440],
    stopOn: ['payment.received'],
    record: true,
    recording: { enabled: true, retentionDays: 365 },
    answeringMachine: 'like-no-answer',
    announcement: { text: 'This is an automated reminder about a repayment due on your account. Press 0 at any time to never be called again.', language: 'en-US' },
    sms: {
      afterUnansweredCalls: 1,
      text: 'Reminder: a repayment on your account is due. See your balance and repayment options at https://example.com/repay. Reply TD to opt out.',
      maxPerDay: 1,
      onReply: 'record',
    },
  },
  rules: [
    { routine: 'monthly', rule: 'every call is recorded', check: (s) => (s.recording.enabled || s.record ? null : 'calls are not recorded') },
    { routine: 'monthly', rule: 'recordings are kept ≥ 365 days', check: (s) => (s.recording.retentionDays >= 365 ? null : `recordings kept ${s.recording.retentionDays} days (rule: ≥ 365)`) },
    { routine: 'monthly', rule: 'no calls before 09:00 or after 20:00', check: (s) => (quietCovers(s, '20:00', '09:00') ? null : `quiet hours ${s.quietHours.start}–${s.quietHours.end} (rule: at least 20:00–09:00)`) },
  ],
  checklist: [
    { routine: 'monthly', check: 'playbook', what: 'recording on, retention ≥ 365 days, no calls outside 09:00–20:00' },
    { routine: 'monthly', check: 'recordings-retention', what: 'recordings and compliance logs kept ≥ 1 year' },
    { routine: 'monthly', check: 'sensitive-words', what: 'collection wording: no threats, harassment, false claims or third parties in scripts and calls' },
  ],
};
