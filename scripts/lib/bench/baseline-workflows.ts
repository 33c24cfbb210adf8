/**
 * The bench's baseline: a workflow of a Redial dial's shape with no work in it (issue 18). Started
 * by signal-with-start, one local activity (the gate's place), one activity (the carrier request's
 * place), then the outcome: a signal ~20 ms later (as the status callback signals a cadence), or,
 * in the async variant, the activity itself completed by that "callback" through its task token.
 */
import { condition, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities';
import { baselineEvent, baselineOutcome } from './baseline-contract';

const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds' });
const remote = proxyActivities<BaselineActivities>({ startToCloseTimeout: '2 minutes' });

export async function baselineDial(mode: 'signal' | 'async'): Promise<void> {
  let outcome = false;
  setHandler(baselineEvent, () => undefined);
  setHandler(baselineOutcome, () => void (outcome = true));
  await local.reserve();
  if (mode === 'async') await remote.dialCompletedByCallback();
  else {
    await remote.dial();
    await condition(() => outcome);
  }
}
