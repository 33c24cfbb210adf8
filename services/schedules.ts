/**
 * Redial's Temporal Schedules, defined once: the daily, weekly and monthly maintenance and the
 * incident watchdog. The worker registers them at start-up, idempotently: a schedule that exists
 * is updated to this definition (and keeps its paused state), so a restart or a second worker
 * never duplicates one. Operators list, pause and trigger them in the Temporal UI, with
 * `temporal schedule …`, or through /v1/maintenance/schedules.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { watchdog } from '../workflows/incidents';
import { dailyMaintenance, monthlyMaintenance, weeklyMaintenance } from '../workflows/maintenance';
import type { IncidentPolicy } from '../domain/incident';

export const SCHEDULES = ['maintenance-daily', 'maintenance-weekly', 'maintenance-monthly', 'incident-watchdog'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface ScheduleSettings {
  taskQueue: string;
  /** The time zone the routines' clock times are in (REDIAL_MAINTENANCE_TIME_ZONE). */
  timeZone: string;
  policy: IncidentPolicy;
  /** Prefixes every schedule id (tests share one Temporal server). */
  idPrefix?: string;
}

export const scheduleId = (name: ScheduleName, prefix = '') => `${prefix}${name}`;

export function scheduleDefinitions(s: ScheduleSettings): ScheduleOptions[] {
  const p = s.idPrefix ?? '';
  const routine = (name: ScheduleName, workflowType: typeof dailyMaintenance, calendar: NonNullable<ScheduleOptions['spec']['calendars']>[number], note: string): ScheduleOptions => ({
    scheduleId: scheduleId(name, p),
    spec: { calendars: [calendar], timezone: s.timeZone },
    action: { type: 'startWorkflow', workflowType, taskQueue: s.taskQueue, workflowId: scheduleId(name, p) },
    // a run still going when the next is due is not doubled; after an outage, a missed run within a day is made up once
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { note },
  });
  return [
    routine('maintenance-daily', dailyMaintenance, { hour: 3, minute: 0 }, 'alerts, weak lines, purge, disk, call sample, opt-out self-check'),
    routine('maintenance-weekly', weeklyMaintenance, { dayOfWeek: 'SUNDAY', hour: 4, minute: 0 }, 'backup + restore check, permission audit, strategy review'),
    routine('maintenance-monthly', monthlyMaintenance, { dayOfMonth: 1, hour: 5, minute: 0 }, 'stress test, line stability, recordings retention'),
    {
      scheduleId: scheduleId('incident-watchdog', p),
      spec: { intervals: [{ every: '1 minute' }] },
      action: { type: 'startWorkflow', workflowType: watchdog, taskQueue: s.taskQueue, workflowId: scheduleId('incident-watchdog', p), args: [{ policy: s.policy }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '5 minutes' },
      memo: { note: 'opens incidents: connect rate under the floor, carrier API or CRM sync failing' },
    },
  ];
}

/** Creates each schedule, or brings an existing one up to date; returns the ids. */
export async function ensureSchedules(client: Client, s: ScheduleSettings): Promise<string[]> {
  const ids: string[] = [];
  for (const def of scheduleDefinitions(s)) {
    try {
      await client.schedule.create(def);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(def.scheduleId).update((prev) => ({ ...prev, spec: def.spec, action: def.action as never, policies: { ...prev.policies, ...def.policies } as never }));
    }
    ids.push(def.scheduleId);
  }
  return ids;
}
