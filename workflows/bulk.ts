/**
 * Bulk operations over many cadences, as workflows: durable (a worker restart resumes where the
 * last page ended), visible in the Temporal UI, and safe to repeat.
 */
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { RedialActivities } from './contracts';

const acts = proxyActivities<RedialActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

/** Enrols an import's contacts into its campaign, a page at a time; progress is in the imports row. */
export async function enrolImport(input: { importId: string; after?: string | null }): Promise<void> {
  let after = input.after ?? null;
  for (;;) {
    const page = await acts.enrolImportPage({ importId: input.importId, after });
    if (page.next === null) return;
    after = page.next;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof enrolImport>({ importId: input.importId, after });
  }
}

/**
 * Tells every running cadence of a cancelled campaign to end its follow-up now. Visibility lags a
 * little, so a second pass catches cadences that joined the campaign meanwhile; any cadence missed
 * by both is still refused by the gate at its next attempt (the campaign is cancelled in PostgreSQL).
 */
export async function cancelCampaignCadences(input: { campaignId: string }): Promise<{ signalled: number }> {
  let signalled = await acts.signalCampaignCadences({ campaignId: input.campaignId });
  await sleep('30 seconds');
  signalled += await acts.signalCampaignCadences({ campaignId: input.campaignId });
  return { signalled };
}
