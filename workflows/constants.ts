/** Task queue of the Redial worker: workflows and activities. */
export const TASK_QUEUE = 'redial';

export const DEFAULT_TENANT = 'default';
export const DEFAULT_CAMPAIGN = 'default';

/** One cadence per person: the id is a business key, stable across campaigns. */
export function cadenceWorkflowId(tenant: string, e164: string): string {
  return `cadence:${tenant}:${e164}`;
}

/** Failure types raised by carrier activities as non-retryable; the workflow maps them to outcomes. */
export const CarrierFailure = {
  invalidNumber: 'InvalidNumber',
  unsubscribed: 'Unsubscribed',
} as const;

/** The enrolment of one import into its campaign. */
export const importWorkflowId = (importId: string) => `import:${importId}`;
/** Cancelling a campaign's running cadences (one at a time per campaign; repeating it is harmless). */
export const campaignCancelWorkflowId = (campaignId: string) => `campaign-cancel:${campaignId}`;
