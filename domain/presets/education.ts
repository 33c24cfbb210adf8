/**
 * Education (trial classes, courses): a lead is called within 10 minutes, while the interest is
 * fresh; parents and working adults answer in the evening, so calls run until 21:30; an
 * unanswered call is followed by an SMS with the trial-class booking link.
 */
import type { Preset } from './preset';
import { smsLinks } from './preset';

export const education: Preset = {
  industry: 'education',
  version: 1,
  title: 'Education: trial-class leads',
  description:
    'First contact within 10 minutes of a lead (lead.created), evening-friendly calling hours (09:00–21:30 local), up to 5 attempts over two days, and after an unanswered call an SMS with the trial-class booking link. Replace the link in sms.text with your own booking page.',
  override: ['sms.text', 'announcement.text'],
  strategy: {
    triggers: ['lead.created'],
    firstContactWithinMinutes: { 'lead.created': 10 },
    firstContactAfterMinutes: {},
    quietHours: { start: '21:30', end: '09:00' },
    blockedWindows: [],
    maxCallsPerDay: 2,
    maxAttempts: 5,
    redialDelaysMinutes: [3, 120, 1440],
    stopOn: ['trial.booked', 'lead.closed'],
    onDeadlineMissed: 'call-anyway',
    announcement: { text: 'Hello, this is a call about the trial class you asked for. Press 0 at any time to never be called again.', language: 'en-US' },
    sms: {
      afterUnansweredCalls: 1,
      text: 'We tried to call you about your free trial class. Book a time that suits you: https://example.com/trial-class. Reply TD to opt out.',
      maxPerDay: 1,
      onReply: 'callback',
    },
  },
  rules: [
    { routine: 'weekly', rule: 'a lead is first called within 10 minutes', check: (s) => ((s.firstContactWithinMinutes['lead.created'] ?? Infinity) > 10 ? `first contact of a lead within ${s.firstContactWithinMinutes['lead.created'] ?? 'no'} minutes (rule: ≤ 10)` : null) },
    { routine: 'weekly', rule: 'leads are followed up (lead.created is a trigger)', check: (s) => (s.triggers.includes('lead.created') ? null : 'lead.created is not a trigger: leads are never called') },
    { routine: 'weekly', rule: 'an unanswered call is followed by an SMS with the trial-class booking link', check: (s) => (smsLinks(s).length ? null : 'no SMS with a booking link after an unanswered call') },
  ],
  checklist: [
    { routine: 'weekly', check: 'playbook', what: 'leads assigned right: first contact ≤ 10 min, lead.created triggers, SMS with the booking link' },
    { routine: 'weekly', check: 'intent-scripts', what: 'every intent tag maps to a script (placeholder until strategies carry scripts)' },
    { routine: 'daily', check: 'link-check', what: 'trial-class booking links answer' },
    { routine: 'monthly', check: 'sensitive-words', what: 'no sensitive wording in scripts and calls' },
  ],
};
