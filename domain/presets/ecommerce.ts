/**
 * E-commerce (abandoned carts): the cart is called within 2 hours (after a 30-minute grace, since
 * many carts are paid minutes later), the follow-up stops when the order is paid, and an
 * unanswered call is followed by an SMS with the cart or a coupon link.
 */
import type { Preset } from './preset';
import { smsLinks } from './preset';

export const ecommerce: Preset = {
  industry: 'ecommerce',
  version: 1,
  title: 'E-commerce: abandoned carts',
  description:
    'Cart reminder within 2 hours of cart.abandoned (not in the first 30 minutes), stop on order.paid, at most 3 attempts, and after an unanswered call an SMS with the cart or coupon link. Replace the link in sms.text with your own. Before a big promotion, run POST /v1/maintenance/stress-test at the peak you expect (three times).',
  override: ['sms.text', 'announcement.text'],
  strategy: {
    triggers: ['cart.abandoned', 'coupon.issued'],
    firstContactWithinMinutes: { 'cart.abandoned': 120, 'coupon.issued': 1440 },
    firstContactAfterMinutes: { 'cart.abandoned': 30 },
    maxCallsPerDay: 2,
    maxAttempts: 3,
    redialDelaysMinutes: [240, 1440],
    stopOn: ['order.paid'],
    announcement: { text: 'Hello, this is a quick call about the items left in your cart. Press 0 at any time to never be called again.', language: 'en-US' },
    sms: {
      afterUnansweredCalls: 1,
      text: 'Your cart is waiting, with 10% off today: https://example.com/cart. Reply TD to opt out.',
      maxPerDay: 1,
      onReply: 'record',
    },
  },
  rules: [
    { routine: 'daily', rule: 'the follow-up stops when the order is paid', check: (s) => (s.stopOn.includes('order.paid') ? null : 'order.paid does not stop the follow-up') },
    { routine: 'daily', rule: 'a cart is called within 2 hours', check: (s) => ((s.firstContactWithinMinutes['cart.abandoned'] ?? Infinity) > 120 ? `cart reminder within ${s.firstContactWithinMinutes['cart.abandoned'] ?? 'no'} minutes (rule: ≤ 120)` : null) },
    { routine: 'daily', rule: 'an unanswered call is followed by an SMS with a cart or coupon link', check: (s) => (smsLinks(s).length ? null : 'no SMS with a cart or coupon link') },
  ],
  checklist: [
    { routine: 'daily', check: 'playbook', what: 'stop on order.paid, cart called ≤ 2 h, SMS with a link' },
    { routine: 'daily', check: 'link-check', what: 'SMS and private-domain links answer' },
    { routine: 'on-demand', check: 'stress-test', what: 'three stress tests at the expected peak before a big promotion (POST /v1/maintenance/stress-test)' },
  ],
};
