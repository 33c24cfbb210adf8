/**
 * Every signal, query and update of the cadence workflow, defined once: the workflow registers
 * handlers for them and the API sends them.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CadenceEvent, CadenceStatus, Channel, Outcome, ProfileChange, Refused } from '../domain/cadence-state';

export interface AttemptOutcome {
  attemptId: string;
  outcome: Outcome;
  at: number;
  /** With outcome `callback`: when the person asked to be called. */
  callbackAt?: number;
}

export interface CadenceView {
  workflowId: string;
  status: CadenceStatus;
  nextAttemptAt: string | null;
  nextAttemptReason: string | null;
  nextChannel: Channel | null;
  attemptsToday: number;
  attemptsTotal: number;
  optedOut: boolean;
  followUps: Array<{
    id: string;
    campaignId: string;
    trigger: string;
    status: string;
    endReason: string | null;
    attempts: number;
    strategyVersion: number;
    deadlineAt: string | null;
    firstAttemptAt: string | null;
    /** The first-contact deadline could not be kept: when that was known and why. */
    deadlineMissed: { at: string; reason: string } | null;
  }>;
  lastRefusals: Array<Omit<Refused, 'at'> & { at: string }>;
}

export const eventSignal = defineSignal<[CadenceEvent]>('event');
export const outcomeSignal = defineSignal<[AttemptOutcome]>('attemptOutcome');
export const optOutSignal = defineSignal<[{ source: string }]>('optOut');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const cancelSignal = defineSignal<[{ campaignId?: string }]>('cancel');
/** The person texted a reply that is neither an opt-out nor a resubscribe (services/sms-replies.ts). */
export const smsReplySignal = defineSignal<[{ campaignId: string; at: number }]>('smsReply');
export const profileSignal = defineSignal<[ProfileChange]>('profile');
/** The call's script promised a text (e.g. the booking link): sent after the call, through the gate. */
export const scriptTextSignal = defineSignal<[{ campaignId: string; attemptId: string; text: string; at: number }]>('scriptText');

export const stateQuery = defineQuery<CadenceView>('state');
/** Like the query, but answered after every pending signal is applied (read-your-writes for the API). */
export const stateUpdate = defineUpdate<CadenceView>('getState');
