/** What the bench's baseline workflow, its activities and the bench share: the signals and the task queue. */
import { defineSignal } from '@temporalio/workflow';

export const BASELINE_TASK_QUEUE = 'bench-baseline';
export const baselineEvent = defineSignal<[string]>('event');
export const baselineOutcome = defineSignal<[string]>('outcome');
