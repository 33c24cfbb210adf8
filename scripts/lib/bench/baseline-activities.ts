/** The baseline's activities: nothing but the outcome's path back (see baseline-workflows.ts). */
import { Context, CompleteAsyncError } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { baselineOutcome } from './baseline-contract';

/** How long after the carrier request its outcome comes back (a simulated call's callback). */
export const OUTCOME_AFTER_MS = 20;

export function baselineActivities(client: Client) {
  const later = (fn: () => Promise<unknown>) => void setTimeout(() => void fn().catch(() => undefined), OUTCOME_AFTER_MS);
  return {
    async reserve(): Promise<void> {},
    async dial(): Promise<void> {
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      if (!workflowId) throw new Error('the baseline dial runs inside a workflow');
      later(() => client.workflow.getHandle(workflowId).signal(baselineOutcome, 'answered'));
    },
    async dialCompletedByCallback(): Promise<void> {
      const { taskToken } = Context.current().info;
      later(() => client.activity.complete(taskToken, undefined));
      throw new CompleteAsyncError();
    },
  };
}

export type BaselineActivities = ReturnType<typeof baselineActivities>;
