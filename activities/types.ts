/** The activity contract workflows see: plain serialisable requests and results. */
import type { Channel, Outcome } from '../workflows/policy/cadence-state';
import type { MaintenanceActivities } from './maintenance';
import type { OpsActivities } from './ops';
import type { Strategy } from '../workflows/policy/strategy';

export interface ReserveRequest {
  workflowId: string;
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
}

export type ReserveResult =
  | { granted: true; attemptId: string; at: number; strategy: Strategy; strategyVersion: number }
  | {
      granted: false;
      at: number;
      reason: string;
      retryAt: number | null;
      callsToday: number;
      strategy: Strategy;
      strategyVersion: number;
    };

export interface PlaceResult {
  providerSid: string;
  lineId: string;
}


export type RedialActivities = CadenceActivities & BulkActivities & OpsActivities & MaintenanceActivities;

export interface CadenceActivities {
  reserveAttempt(req: ReserveRequest): Promise<ReserveResult>;
  placeCall(req: { attemptId: string }): Promise<PlaceResult>;
  sendSms(req: { attemptId: string }): Promise<PlaceResult>;
  /** Hangs up a call the cadence no longer wants (opted out or cancelled while it rings or talks). */
  cancelCall(req: { attemptId: string }): Promise<void>;
  /** For a call whose outcome never arrived: ask the carrier, store what it says. */
  reconcileAttempt(req: { attemptId: string }): Promise<{ outcome: Outcome | null }>;
}

export interface BulkActivities {
  /** Bulk (workflows/bulk.ts): enrol the next page of an import into its campaign. */
  enrolImportPage(req: { importId: string; after: string | null }): Promise<{ next: string | null }>;
  /** Bulk: tell every running cadence of a cancelled campaign; returns how many were told. */
  signalCampaignCadences(req: { campaignId: string }): Promise<number>;
}
