/**
 * The intents a called customer's utterance is classified into: the 21 labels of the training data
 * (domain/intents/train.jsonl, five groups), and `unknown` below the confidence threshold.
 */
export const INDUSTRY_INTENTS = {
  education: ['course_price', 'class_schedule', 'trial_class'],
  finance: ['repayment_method', 'amount_due', 'extension_request', 'dispute'],
  ecommerce: ['delivery_status', 'return_refund', 'coupon', 'payment_issue'],
  local_life: ['booking', 'opening_hours', 'location'],
  generic: ['interested', 'not_interested', 'callback_later', 'human_agent', 'wrong_number', 'complaint', 'opt_out'],
} as const;

export type IntentIndustry = keyof typeof INDUSTRY_INTENTS;
export const INTENT_INDUSTRIES = Object.keys(INDUSTRY_INTENTS) as readonly IntentIndustry[];

export type Intent = (typeof INDUSTRY_INTENTS)[IntentIndustry][number];
export const INTENTS: readonly Intent[] = Object.values(INDUSTRY_INTENTS).flat();

/** The training data's label for "stop calling me": it must never be missed (it opts the person out). */
export const OPT_OUT_INTENT = 'opt_out' satisfies Intent;
export const UNKNOWN_INTENT = 'unknown';

export type IntentResult = { intent: Intent | typeof UNKNOWN_INTENT; confidence: number };

export const isIntent = (s: string): s is Intent => (INTENTS as readonly string[]).includes(s);
export const isIntentIndustry = (s: string): s is IntentIndustry => s in INDUSTRY_INTENTS;
