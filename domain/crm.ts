/**
 * CRM deliveries: which attempt outcomes are business outcomes the campaign's CRM is told about,
 * what the webhook body holds (our field names, renamed by the campaign's field mapping: the
 * source's "数据字段映射"), and how a delivery is retried. Pure: the signing and the POST are in
 * services/crm-deliveries.ts, the retry loop in workflows/crm-delivery.ts.
 */

/** The business outcomes a CRM hears about. Stable strings: receivers switch on them. */
export const BUSINESS_OUTCOMES = ['interested', 'not-interested', 'callback-requested', 'converted', 'wrong-number', 'opted-out', 'complaint'] as const;
export type BusinessOutcome = (typeof BUSINESS_OUTCOMES)[number];

/**
 * An attempt's outcome (attempts.outcome, whoever recorded it: the key menu, the script, a status
 * callback) → the business outcome it hands to the CRM. Outcomes not listed (answered, no-answer,
 * busy, machine, invalid, carrier-failure, sms-*) are the dialer's business, not the CRM's.
 */
const OUTCOME_TABLE: Readonly<Record<string, BusinessOutcome>> = {
  interested: 'interested',
  'not-interested': 'not-interested',
  'callback-requested': 'callback-requested',
  callback: 'callback-requested',
  converted: 'converted',
  'wrong-number': 'wrong-number',
  'opted-out': 'opted-out',
  complaint: 'complaint',
};

export function businessOutcomeOf(outcome: string | null | undefined): BusinessOutcome | null {
  return outcome ? (OUTCOME_TABLE[outcome] ?? null) : null;
}

/**
 * What a delivery says, in our field names. No phone number and no name: the CRM knows its lead
 * by `externalId` (its own id, given to us with the event or import) and Redial's `contactId`.
 */
export interface CrmOutcomeFields {
  /** The outcome's stable id (one delivery per outcome id): receivers de-duplicate on it. */
  outcomeId: string;
  outcome: BusinessOutcome;
  /** The attempt outcome it came from (e.g. converted from key 1). */
  detail: string;
  occurredAt: string;
  campaignId: string;
  contactId: string;
  externalId: string | null;
  channel: 'call' | 'sms';
  attemptId: string | null;
  strategyVersion: number | null;
  talkSeconds: number | null;
}

export const CRM_FIELDS = ['outcomeId', 'outcome', 'detail', 'occurredAt', 'campaignId', 'contactId', 'externalId', 'channel', 'attemptId', 'strategyVersion', 'talkSeconds'] as const satisfies ReadonlyArray<keyof CrmOutcomeFields>;

export interface CrmMapping {
  /** Our field → their field name. Unmapped fields keep our names unless `onlyMapped`. */
  fields: Partial<Record<(typeof CRM_FIELDS)[number], string>>;
  /** Our outcome → their value (e.g. converted → "won"); unmapped outcomes keep our names. */
  outcomeValues: Partial<Record<BusinessOutcome, string>>;
  /** Send only the mapped fields. */
  onlyMapped: boolean;
}

/** The webhook body: our fields under their names, in our field order. */
export function crmBody(f: CrmOutcomeFields, m: CrmMapping): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const k of CRM_FIELDS) {
    const name = m.fields[k];
    if (!name && m.onlyMapped) continue;
    body[name ?? k] = k === 'outcome' ? (m.outcomeValues[f.outcome] ?? f.outcome) : f[k];
  }
  return body;
}

/** How a delivery is retried: tries, then the dead letter. */
export interface CrmRetryPolicy {
  /** Tries before the delivery is dead-lettered. */
  budget: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * 10 tries over about two hours (1 min doubling to 30 min): a CRM down for a deploy or an
 * afternoon's outage gets everything afterwards; one down for longer is dead-lettered, kept, and
 * replayed by an operator (POST /v1/deliveries/{id}/replay).
 */
export const DEFAULT_CRM_RETRY: CrmRetryPolicy = { budget: 10, firstDelayMs: 60_000, maxDelayMs: 30 * 60_000 };

/** The wait after the `failedTries`-th failed try (1-based). */
export const crmRetryDelayMs = (p: CrmRetryPolicy, failedTries: number) => Math.min(p.maxDelayMs, p.firstDelayMs * 2 ** Math.max(0, failedTries - 1));

/** While a lockdown holds outbound integrations, a delivery looks again this often (it costs no try). */
export const CRM_HELD_RECHECK_MS = 15_000;

/** A receiver should refuse a signature older than this (replays of a captured request). */
export const CRM_SIGNATURE_TOLERANCE_S = 300;

/** pending: queued or retrying; delivered; dead: the retry budget ran out (an operator may replay it). */
export type CrmDeliveryState = 'pending' | 'delivered' | 'dead';
