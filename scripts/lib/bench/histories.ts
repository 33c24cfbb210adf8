/**
 * Timeouts the Temporal server recorded, read from workflow histories: workflow tasks and
 * activities that timed out (by kind: a worker too slow to take or finish a task, an activity
 * waiting in the queue past its schedule-to-close), and failed workflow tasks.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType, TimeoutType } = temporal.api.enums.v1;

export interface Timeouts {
  histories: number;
  events: number;
  /** "WorkflowTaskTimedOut START_TO_CLOSE" → how many, etc. */
  counts: Map<string, number>;
  /** Histories with at least one of them. */
  affected: number;
}

const timeoutName = (t: number | null | undefined) => (TimeoutType[t ?? 0] ?? String(t)).replace('TIMEOUT_TYPE_', '');

/** Reads the histories of `ids` (a few at a time) and counts what timed out or failed in them. */
export async function timeoutsIn(client: Client, ids: string[], parallel = 8): Promise<Timeouts> {
  const counts = new Map<string, number>();
  const add = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  let events = 0;
  let affected = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < ids.length) {
        const history = await client.workflow.getHandle(ids[next++]!).fetchHistory();
        let bad = false;
        for (const e of history.events ?? []) {
          events++;
          if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) add(`WorkflowTaskTimedOut ${timeoutName(e.workflowTaskTimedOutEventAttributes?.timeoutType)}`);
          else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) add(`ActivityTaskTimedOut ${timeoutName(e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType)}`);
          else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) add('WorkflowTaskFailed');
          else continue;
          bad = true;
        }
        if (bad) affected++;
      }
    }),
  );
  return { histories: ids.length, events, counts, affected };
}

export const describeTimeouts = (t: Timeouts) =>
  `${t.histories} histories (${t.events} events): ${t.counts.size === 0 ? 'no task or activity timed out or failed' : `${[...t.counts].map(([k, n]) => `${k} ×${n}`).join(', ')} in ${t.affected} histories`}`;

/** A random sample of `n` of `xs`. */
export function sample<T>(xs: T[], n: number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}
