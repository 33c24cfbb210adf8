import { z } from 'zod';
import { scriptSchema } from './script';
import { LINE_TIERS } from './vocabulary';

/**
 * A campaign's strategy: data, never code. Parsed (and defaulted) at the edges (API, activities);
 * workflows receive the parsed value and only import the type.
 */
const hm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use 24-hour "HH:MM", e.g. "21:00"');
const window = z.strictObject({
  start: hm,
  end: hm,
  days: z.array(z.number().int().min(1).max(7)).optional().describe('ISO weekdays (1 = Monday); every day when absent'),
});

const strategyFields = z.strictObject({
  quietHours: z.strictObject({ start: hm, end: hm }).default({ start: '21:00', end: '08:00' }),
  blockedWindows: z.array(window).max(20).default([]),
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use "YYYY-MM-DD"')).max(366).default([]),
  /** Contacts per person per local day, calls and SMS together (lowered to the per-person ceiling, never above it). */
  maxCallsPerDay: z.number().int().min(1).max(10).default(2),
  maxAttempts: z.number().int().min(1).max(50).default(6),
  /** Delay before each redial after no-answer/busy, in minutes; the last value repeats. */
  redialDelaysMinutes: z.array(z.number().int().min(1).max(10080)).min(1).max(20).default([3, 60, 240]),
  /** Deadline for the first attempt per trigger event type, in minutes. */
  firstContactWithinMinutes: z.record(z.string(), z.number().int().min(0).max(10080)).default({
    'lead.created': 10,
    'cart.abandoned': 120,
    'payment.due': 1440,
    'coupon.issued': 1440,
  }),
  /**
   * Grace period before the first attempt per trigger, in minutes: a cart is often paid minutes
   * after it is "abandoned", and calling then only annoys.
   */
  firstContactAfterMinutes: z.record(z.string(), z.number().int().min(0).max(10080)).default({ 'cart.abandoned': 30 }),
  /** Events that start a follow-up; custom CRM event types map onto one of these. */
  triggers: z.array(z.string().min(1)).default(['lead.created', 'cart.abandoned', 'payment.due', 'coupon.issued']),
  eventMap: z.record(z.string(), z.string()).default({}),
  /** Events that end the follow-up they answer, e.g. an order paid ends the abandoned-cart follow-up. */
  stopOn: z.array(z.string().min(1)).default(['order.paid']),
  /**
   * An answering machine: count it like no answer (hang up, redial later), stop the follow-up, or
   * leave `voicemail` once (then like no answer; never a second message per contact and campaign).
   */
  answeringMachine: z.enum(['like-no-answer', 'stop', 'voicemail']).default('like-no-answer'),
  /** The message left on a machine: the announcement's purpose and a number to call back. */
  voicemail: z
    .strictObject({
      text: z.string().min(1).max(1000),
      callbackNumber: z.string().min(3).max(40).describe('The number read out to call back (a business line, not the customer)'),
    })
    .nullable()
    .default(null),
  /**
   * When the first contact cannot happen before the trigger's deadline (`firstContactWithinMinutes`):
   * `call-anyway` records the miss and still calls at the first allowed instant; `hand-off` records
   * it, gives the lead up and hands it to a person (a task in GET /v1/handoffs).
   */
  onDeadlineMissed: z.enum(['call-anyway', 'hand-off']).default('call-anyway'),
  announcement: z
    .strictObject({ text: z.string().min(1).max(1000), language: z.string().min(2).max(10) })
    .default({ text: 'This is an automated follow-up call. Press 0 at any time to never be called again.', language: 'en-US' }),
  sms: z
    .strictObject({
      afterUnansweredCalls: z.number().int().min(1).max(20),
      text: z.string().min(1).max(640),
      /** SMS's own daily cap, inside the shared per-person budget (calls and SMS together). */
      maxPerDay: z.number().int().min(1).max(5).default(1),
      /** A reply that is not an opt-out (TD) or resubscribe (START): recorded on the contact; `callback` also schedules a call at the next allowed instant. */
      onReply: z.enum(['record', 'callback']).default('record'),
    })
    .nullable()
    .default(null),
  /** Contact tag → line tier; contacts without a matching tag use `defaultLineTier`. */
  lineTier: z.record(z.string(), z.enum(LINE_TIERS)).default({ 'high-value': 'premium' }),
  defaultLineTier: z.enum(LINE_TIERS).default('standard'),
  /** Spread of wake-ups when a window opens, so 08:00 is not a herd. */
  jitterSeconds: z.number().int().min(0).max(3600).default(120),
  /** Read only: `record: true` of strategies saved before `recording` existed means `recording.enabled` (folded in below). */
  record: z.boolean().optional(),
  /**
   * Call recording: every call is recorded and its recording fetched into the recordings store,
   * kept `retentionDays` and then purged — never less than its industry's minimum (finance 365
   * days, whatever this says: domain/recordings.ts).
   */
  recording: z
    .strictObject({ enabled: z.boolean().default(false), retentionDays: z.number().int().min(1).max(3650).default(90) })
    .default({ enabled: false, retentionDays: 90 }),
  /**
   * A URL of this strategy that the link check found dead (domain/links.ts): `hold-sms` holds
   * every SMS whose text carries one (the gate refuses it as `dead-link` and asks again later);
   * `send` only flags the campaign. Either way ops are alerted.
   */
  onDeadLink: z.enum(['hold-sms', 'send']).default('hold-sms'),
  /** The industry preset this strategy was built from (GET /v1/presets), if any. */
  preset: z.strictObject({ industry: z.string().min(1).max(40), version: z.number().int().min(1) }).nullable().default(null),
  ringTimeoutSeconds: z.number().int().min(5).max(120).default(30),
  /**
   * What an answered call says after the announcement, per intent of what the person says (domain/script.ts):
   * over the campaign's industry defaults. Played in the campaign's `intelligent` mode; `basic` is the key menu.
   */
  script: scriptSchema.prefault({}),
});

/** The strategy as stored and used: one recording field (an old `record: true` turns recording on). */
export const strategySchema = strategyFields.transform(({ record, ...s }) => (record ? { ...s, recording: { ...s.recording, enabled: true } } : s));

export type Strategy = z.output<typeof strategySchema>;
export type StrategyInput = z.input<typeof strategySchema>;

export const defaultStrategy: Strategy = strategySchema.parse({});
