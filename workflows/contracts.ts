/**
 * The activity contracts: what the workflows need from the outside world, one interface per group,
 * with plain serialisable requests and results. Workflows proxy these interfaces; activities/
 * implements them (typed against them, never the other way round).
 */
import type { Channel, DeadlineMiss, Outcome } from '../domain/cadence-state';
import type { IncidentPolicy } from '../domain/incident';
import type { CrmRetryPolicy } from '../domain/crm';
import type { ScriptMode } from '../domain/script';
import type { CheckResult } from '../domain/maintenance';
import type { Routine } from '../domain/presets';
import type { Strategy } from '../domain/strategy';

export interface ReserveRequest {
  workflowId: string;
  /** The run that started this chain of runs (continue-as-new keeps it; a restarted cadence has a new one). */
  chain?: string;
  /** The cadence's attempt counter within its chain. */
  seq: number;
  tenant: string;
  contactId: string;
  phone: string;
  timeZone: string;
  followUpId: string;
  campaignId: string;
  channel: Channel;
  /** Attempts this follow-up already had (for the max-attempts rule). */
  attemptsSoFar: number;
  /** A text the call's script promised: sent even when the strategy has no SMS of its own (every other rule applies). */
  scripted?: boolean;
}

/**
 * The gate's answer. `ceiling` is the per-person daily ceiling it enforces (the worker's
 * configuration), so the cadence plans with the same effective cap (domain/daily-cap.ts).
 */
export type ReserveResult =
  | { granted: true; attemptId: string; at: number; strategy: Strategy; strategyVersion: number; ceiling: number }
  | {
      granted: false;
      at: number;
      reason: string;
      retryAt: number | null;
      /** The person's calls and SMS on the local day (carrier failures excluded), across campaigns. */
      callsToday: number;
      smsToday?: number;
      strategy: Strategy;
      strategyVersion: number;
      ceiling: number;
    };

export interface PlaceResult {
  providerSid: string;
  lineId: string;
}

export type RedialActivities = CadenceActivities & BulkActivities & OpsActivities & MaintenanceActivities & CrmActivities;

export type CadenceActivities = GateActivities & DialingActivities & SmsActivities & DeadlineActivities;

/** First-contact deadlines the cadence could not keep (domain/cadence-state.ts noteMissedDeadlines). */
export interface DeadlineActivities {
  recordDeadlineMisses(req: { tenant: string; workflowId: string; contactId: string; misses: DeadlineMiss[] }): Promise<void>;
}

/** The compliance gate (a local activity): every attempt is reserved here or refused with its reason. */
export interface GateActivities {
  reserveAttempt(req: ReserveRequest): Promise<ReserveResult>;
}

/** Calls through the carrier, for a granted reservation. */
export interface DialingActivities {
  placeCall(req: { attemptId: string }): Promise<PlaceResult>;
  /**
   * Places the call (as placeCall) and ends with its outcome: completed by the carrier's final
   * status callback through the activity's id (dialActivityId), not by a signal, so the outcome
   * costs the cadence no extra workflow task. A retry re-attaches to the call it placed.
   */
  dial(req: { attemptId: string }): Promise<{ outcome: Outcome; callbackAt?: number }>;
  /** Hangs up a call the cadence no longer wants (opted out or cancelled while it rings or talks). */
  cancelCall(req: { attemptId: string }): Promise<void>;
  /** For a call whose outcome never arrived: ask the carrier, store what it says. */
  reconcileAttempt(req: { attemptId: string }): Promise<{ outcome: Outcome | null; callbackAt?: number }>;
}

/** Texts through the carrier, for a granted reservation. */
export interface SmsActivities {
  /** The strategy's text, or `text` (a text the call's script promised). */
  sendSms(req: { attemptId: string; text?: string }): Promise<PlaceResult>;
}

export interface BulkActivities {
  /** Bulk (workflows/bulk.ts): enrol the next page of an import into its campaign. */
  enrolImportPage(req: { importId: string; after: string | null }): Promise<{ next: string | null }>;
  /** Bulk: tell every running cadence of a cancelled campaign; returns how many were told. */
  signalCampaignCadences(req: { campaignId: string }): Promise<number>;
}

export interface AlertInput {
  kind: string;
  severity: 'warning' | 'critical' | 'info';
  message: string;
  detail?: unknown;
}

/** A rollback: the versions it moved between, withheld (and why), or null when there is no earlier version. */
export type RollbackResult = { from: number; to: number } | { withheld: string } | null;

export interface ConnectRate {
  campaignId: string;
  placed: number;
  delivered: number;
  rate: number;
}

/** Operations (workflows/incidents.ts, workflows/maintenance.ts): alerts and the steps incidents take. */
export interface OpsActivities {
  /** Stores the alert, then tells ops (a failed webhook is recorded on the alert, never lost). */
  raiseAlert(a: AlertInput): Promise<number>;
  /** The watchdog's look: starts the incident workflows that are due; returns their ids. */
  detectIncidents(p: IncidentPolicy): Promise<string[]>;
  openIncident(i: { kind: string; subject: string; workflowId: string; detail?: unknown }): Promise<string>;
  noteIncident(n: { id: string; step: string; detail?: unknown; status?: string }): Promise<void>;
  campaignConnectRate(req: { campaignId: string; since: number }): Promise<ConnectRate>;
  /** The campaign's own CPS cap (null: none) and the CPS it effectively runs at. */
  campaignCps(req: { campaignId: string }): Promise<{ own: number | null; effective: number }>;
  setCampaignCps(req: { campaignId: string; cps: number | null; actor: string }): Promise<void>;
  /**
   * Activates the version before the active one; null when there is none. With `watchedSince`,
   * withheld when the carrier's interface failed since then: a strategy never pays for the carrier.
   */
  rollbackCampaign(req: { campaignId: string; actor: string; watchedSince?: number }): Promise<RollbackResult>;
  probeInterface(req: { iface: 'carrier' | 'crm'; sinceMs: number }): Promise<{ ok: boolean; detail: string }>;
  /** Sets the campaign's script mode (audited when it changes); the mode before, null when there is no such campaign. */
  setScriptMode(req: { campaignId: string; mode: ScriptMode; actor: string }): Promise<ScriptMode | null>;
}

/** The checks of the scheduled routines (workflows/maintenance.ts); each reports a CheckResult. */
export interface MaintenanceActivities {
  /** Stores a routine's run; its status is its worst check. Returns the run's id. */
  recordRun(r: { routine: string; workflowId: string; runId: string; startedAt: number; results: CheckResult[] }): Promise<number>;
  // daily
  checkAlertRates(): Promise<CheckResult>;
  closeWeakLines(): Promise<CheckResult>;
  purgeContacts(): Promise<CheckResult>;
  checkDisk(): Promise<CheckResult>;
  sampleCalls(): Promise<CheckResult>;
  selfCheckOptOut(): Promise<CheckResult>;
  checkDatabaseHealth(): Promise<CheckResult>;
  // weekly
  backupDatabase(): Promise<CheckResult>;
  permissionAudit(): Promise<CheckResult>;
  strategyReview(): Promise<CheckResult>;
  // monthly
  /** At the configured peak, or the one asked for on demand (POST /v1/maintenance/stress-test). */
  stressTest(target?: StressTarget): Promise<CheckResult>;
  lineStability(): Promise<CheckResult>;
  recordingsRetention(): Promise<CheckResult>;
  // industry playbooks (domain/presets/)
  /** Daily: every URL of the live strategies (services/link-check.ts). */
  checkLinks(): Promise<CheckResult>;
  /** Each industry's rules of this routine over its campaigns. */
  checkPlaybooks(req: { routine: Routine }): Promise<CheckResult>;
  /** Weekly (education): intent tag → script. */
  checkIntentScripts(): Promise<CheckResult>;
  /** Monthly: the sensitive-word lists over the strategies in use and the month's transcripts. */
  scanSensitiveWords(): Promise<CheckResult>;
}

/** A stress test's peak and duration (the configured ones where absent). */
export interface StressTarget {
  callsPerHour?: number;
  seconds?: number;
}

/** What one try of a CRM delivery came to (services/crm-deliveries.ts). */
export type CrmTryResult =
  | { result: 'delivered' }
  /** A lockdown holds outbound integrations: no try was made, none is counted. */
  | { result: 'held' }
  | { result: 'failed'; error: string }
  /** Delivered or dead-lettered already (a replayed or repeated run), or the row is gone. */
  | { result: 'settled' };

export interface CrmDeliveryInput {
  deliveryId: number;
  retry: CrmRetryPolicy;
}

/** CRM deliveries (workflows/crm-delivery.ts): one signed POST per try, and the dead letter. */
export interface CrmActivities {
  /** One signed POST to the campaign's CRM; `nextTryInMs` is recorded on the row (null: the last try). */
  tryCrmDelivery(req: { deliveryId: number; nextTryInMs: number | null }): Promise<CrmTryResult>;
  deadLetterCrmDelivery(req: { deliveryId: number }): Promise<void>;
}
