/** Task queue of the Redial worker: workflows and activities. */
export const TASK_QUEUE = 'redial';

export const DEFAULT_TENANT = 'default';
export const DEFAULT_CAMPAIGN = 'default';

/**
 * One cadence per person: the id is a business key, stable across campaigns and restarts, that
 * reveals nothing: `personKey` is a keyed hash of tenant and number (services/cadences.ts).
 */
export function cadenceWorkflowId(tenant: string, personKey: string): string {
  return `cadence:${tenant}:${personKey}`;
}

/**
 * The dial activity of one attempt has a known id, so the status callback that learns the call's
 * outcome can complete it (services/cadences.ts reportOutcome) without a task token.
 */
export const dialActivityId = (attemptId: string) => `dial:${attemptId}`;

/** Failure types raised by carrier activities as non-retryable; the workflow maps them to outcomes. */
export const CarrierFailure = {
  invalidNumber: 'InvalidNumber',
  unsubscribed: 'Unsubscribed',
  /** The calling window closed between the gate's grant and the send: nothing went to the carrier. */
  windowClosed: 'WindowClosed',
} as const;

/** The enrolment of one import into its campaign. */
export const importWorkflowId = (importId: string) => `import:${importId}`;
/** Cancelling a campaign's running cadences (one at a time per campaign; repeating it is harmless). */
export const campaignCancelWorkflowId = (campaignId: string) => `campaign-cancel:${campaignId}`;
/** One run per CRM delivery and replay (`replays` counts them): the id names no person. */
export const crmDeliveryWorkflowId = (deliveryId: number, replays: number) => `crm-delivery:${deliveryId}:${replays}`;
/** One run per recording: the carrier's recording id names no person. */
export const recordingWorkflowId = (recordingSid: string) => `recording:${recordingSid}`;

/** Failure types of the recordings store that no retry mends. */
export const RecordingFailure = {
  /** The carrier has no such recording, or it belongs to another call. */
  notFound: 'RecordingNotFound',
  /** The worker has no recordings store configured. */
  noStore: 'NoRecordingsStore',
} as const;
