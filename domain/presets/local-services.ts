/**
 * Local services (restaurants, salons, repairs): never call at the meal peaks (11:00–13:00 and
 * 17:00–19:00), when the business and its customers are busiest; a coupon link by SMS after an
 * unanswered call. Off-peak rules and routine tags are reviewed every month.
 */
import type { Preset } from './preset';
import { blocksEveryDay, smsLinks } from './preset';

export const localServices: Preset = {
  industry: 'local-services',
  version: 1,
  title: 'Local services: off-peak calls and coupons',
  description:
    'Calls only off the meal peaks (11:00–13:00 and 17:00–19:00 blocked every day), a coupon link by SMS after an unanswered call, regular customers (tag "regular") on the premium line tier. Replace the link in sms.text with your own coupon page; review the off-peak rules and tags monthly.',
  override: ['sms.text', 'announcement.text', 'lineTier'],
  strategy: {
    triggers: ['coupon.issued', 'lead.created'],
    firstContactWithinMinutes: { 'coupon.issued': 1440, 'lead.created': 60 },
    firstContactAfterMinutes: {},
    blockedWindows: [
      { start: '11:00', end: '13:00' },
      { start: '17:00', end: '19:00' },
    ],
    maxCallsPerDay: 2,
    maxAttempts: 3,
    redialDelaysMinutes: [180, 1440],
    stopOn: ['coupon.redeemed', 'order.paid'],
    lineTier: { regular: 'premium' },
    announcement: { text: 'Hello, this is a call from your local shop with an offer for you. Press 0 at any time to never be called again.', language: 'en-US' },
    sms: {
      afterUnansweredCalls: 1,
      text: 'A coupon for your next visit: https://example.com/coupon. Reply TD to opt out.',
      maxPerDay: 1,
      onReply: 'record',
    },
  },
  rules: [
    { routine: 'monthly', rule: 'no calls at the lunch peak (11:00–13:00)', check: (s) => (blocksEveryDay(s, '11:00', '13:00') ? null : 'the lunch peak 11:00–13:00 is not blocked') },
    { routine: 'monthly', rule: 'no calls at the dinner peak (17:00–19:00)', check: (s) => (blocksEveryDay(s, '17:00', '19:00') ? null : 'the dinner peak 17:00–19:00 is not blocked') },
    { routine: 'monthly', rule: 'off-peak rules and routine tags reviewed within the month', check: (_s, f) => (f.activeForDays > 31 ? `the strategy has not been reviewed for ${f.activeForDays} days (rule: monthly)` : null) },
    { routine: 'monthly', rule: 'an unanswered call is followed by an SMS with the coupon link', check: (s) => (smsLinks(s).length ? null : 'no SMS with a coupon link') },
  ],
  checklist: [
    { routine: 'monthly', check: 'playbook', what: 'meal peaks blocked, off-peak rules and tags reviewed, SMS with the coupon link' },
    { routine: 'daily', check: 'link-check', what: 'coupon redemption links answer' },
  ],
};
