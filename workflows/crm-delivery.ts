/**
 * One CRM delivery, durably: try the signed POST, wait with backoff after a failure, wait out a
 * lockdown without spending a try, and after the retry budget leave it in the dead letter for an
 * operator's replay (which starts a new run). The rules are domain/crm.ts's.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import { CRM_HELD_RECHECK_MS, crmRetryDelayMs } from '../domain/crm';
import type { CrmActivities, CrmDeliveryInput } from './contracts';

/**
 * A try is one POST with its own timeout (services/crm-deliveries.ts) and answers a result, not an
 * error: only PostgreSQL being unreachable throws, and that is retried here until it returns.
 */
const acts = proxyActivities<CrmActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function crmDelivery(input: CrmDeliveryInput): Promise<'delivered' | 'dead' | 'settled'> {
  let failed = 0;
  for (;;) {
    const last = failed + 1 >= input.retry.budget;
    const r = await acts.tryCrmDelivery({ deliveryId: input.deliveryId, nextTryInMs: last ? null : crmRetryDelayMs(input.retry, failed + 1) });
    if (r.result === 'delivered' || r.result === 'settled') return r.result;
    if (r.result === 'held') {
      await sleep(CRM_HELD_RECHECK_MS);
      continue;
    }
    failed++;
    if (failed >= input.retry.budget) {
      await acts.deadLetterCrmDelivery({ deliveryId: input.deliveryId });
      return 'dead';
    }
    await sleep(crmRetryDelayMs(input.retry, failed));
  }
}
