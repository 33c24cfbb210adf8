/**
 * Operations: the maintenance schedules (describe, trigger, pause), their runs, incidents (with
 * operator resume/abort) and alerts. Schedules live in Temporal; runs, incidents and alerts in
 * PostgreSQL. Every operator action is audited.
 */
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { incidentById, listAlerts as alertRows, listIncidents as incidentRows, listMaintenanceRuns as runRows, type Incident } from '../db/queries/operations';
import { abortIncidentSignal, resumeIncidentSignal } from '../workflows/incidents';
import { stressTestOnDemand } from '../workflows/maintenance';
import { conflict, notFound } from './errors';
import { assertNotLockedDown } from './lockdown';
import { SCHEDULES, scheduleId, type ScheduleName } from './schedules';

export type { Incident };

export interface OperationsDeps {
  db: Db;
  temporal: Client;
  /** Prefix of the schedule ids (tests share one Temporal server); '' in production. */
  schedulePrefix?: string;
}

export interface ScheduleView {
  name: ScheduleName;
  scheduleId: string;
  paused: boolean;
  note: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  runningWorkflows: string[];
}

/** Runs a Temporal call on a schedule; an unregistered schedule is not found. */
async function onSchedule<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notFound(`Schedule ${id} is not registered (the worker registers it at start unless REDIAL_SCHEDULES=off).`);
    throw err;
  }
}

/** One schedule as Temporal has it: paused or not, its next and last run, what it is running. */
export async function describeSchedule({ temporal, schedulePrefix }: Pick<OperationsDeps, 'temporal' | 'schedulePrefix'>, input: { name: ScheduleName }): Promise<ScheduleView> {
  const id = scheduleId(input.name, schedulePrefix);
  const d = await onSchedule(id, () => temporal.schedule.getHandle(id).describe());
  const last = d.info.recentActions.at(-1);
  return {
    name: input.name,
    scheduleId: id,
    paused: d.state.paused,
    note: typeof d.memo?.note === 'string' ? d.memo.note : null,
    nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
    lastRunAt: last?.takenAt.toISOString() ?? null,
    runningWorkflows: d.info.runningActions.map((a) => a.workflow.workflowId),
  };
}

/** Every schedule, in definition order; one that is not registered makes the whole list not found. */
export async function listSchedules(deps: Pick<OperationsDeps, 'temporal' | 'schedulePrefix'>): Promise<ScheduleView[]> {
  return Promise.all(SCHEDULES.map((name) => describeSchedule(deps, { name })));
}

type ScheduleHandle = ReturnType<Client['schedule']['getHandle']>;
const scheduleActions = {
  trigger: (h: ScheduleHandle) => h.trigger(),
  pause: (h: ScheduleHandle, by: string) => h.pause(`paused through the API by ${by}`),
  unpause: (h: ScheduleHandle, by: string) => h.unpause(`unpaused through the API by ${by}`),
};
export type ScheduleAction = keyof typeof scheduleActions;

/** Triggers, pauses or unpauses a schedule, audits it (`schedule.<action>`), and returns the schedule after it. */
export async function actOnSchedule(deps: OperationsDeps, input: { name: ScheduleName; action: ScheduleAction; actor: string }): Promise<ScheduleView> {
  const id = scheduleId(input.name, deps.schedulePrefix);
  await onSchedule(id, () => scheduleActions[input.action](deps.temporal.schedule.getHandle(id), input.actor));
  await audit(deps.db, { actor: input.actor, action: `schedule.${input.action}`, target: input.name });
  return describeSchedule(deps, { name: input.name });
}

/**
 * Recent maintenance runs, newest first, and what each check found. The daily run lists sampled
 * calls of contacts: a bulk read, closed during a lockdown.
 */
export async function listMaintenanceRuns({ db }: Pick<OperationsDeps, 'db'>, input: { routine?: 'daily' | 'weekly' | 'monthly' | 'stress-test'; limit: number; actor: string }) {
  await assertNotLockedDown({ db }, { actor: input.actor, what: 'GET /v1/maintenance/runs' });
  return runRows(db, input);
}

export async function listIncidents({ db }: Pick<OperationsDeps, 'db'>): Promise<Incident[]> {
  return incidentRows(db);
}

export async function getIncident({ db }: Pick<OperationsDeps, 'db'>, input: { id: string }): Promise<Incident> {
  const incident = await incidentById(db, input.id);
  if (!incident) throw notFound(`No incident ${input.id}.`);
  return incident;
}

export type IncidentAction = 'resume' | 'abort';

/**
 * An operator resumes (undo the measure, release held cadences, close) or aborts (stop the
 * automation, keep the measure) an incident: its workflow hears it, and it is audited
 * (`incident.<action>`). Only an open incident can be either; an aborted one can still be resumed.
 * Returns the incident as it was before the signal (the timeline shows the step once the
 * workflow has taken it).
 */
export async function signalIncident(deps: Pick<OperationsDeps, 'db' | 'temporal'>, input: { id: string; action: IncidentAction; actor: string }): Promise<Incident> {
  const { id, action } = input;
  const incident = await getIncident(deps, { id });
  const open = incident.status === 'open' || (action === 'resume' && incident.status === 'aborted');
  if (!open) throw conflict(`Incident ${id} is ${incident.status}; only an open incident can be ${action === 'resume' ? 'resumed' : 'aborted'}.`);
  try {
    await deps.temporal.workflow.getHandle(incident.workflowId).signal(action === 'resume' ? resumeIncidentSignal : abortIncidentSignal, { by: input.actor });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw conflict(`Incident ${id}'s workflow is no longer running.`);
    throw err;
  }
  await audit(deps.db, { actor: input.actor, action: `incident.${action}`, target: id });
  return incident;
}

/** The watchdog is nudged at most this often per Temporal client. */
const NUDGE_EVERY_MS = 2_000;
const lastNudge = new WeakMap<Client, number>();

/**
 * Asks the incident watchdog to look now rather than at its next minute (a call turn not understood
 * may have crossed its threshold): it triggers the watchdog's schedule, so the rule and the incident
 * stay the watchdog's. Nothing to nudge when schedules are not registered (REDIAL_SCHEDULES=off).
 */
export async function nudgeWatchdog({ temporal, schedulePrefix }: Pick<OperationsDeps, 'temporal' | 'schedulePrefix'>): Promise<boolean> {
  const now = Date.now();
  if (now - (lastNudge.get(temporal) ?? 0) < NUDGE_EVERY_MS) return false;
  lastNudge.set(temporal, now);
  try {
    await temporal.schedule.getHandle(scheduleId('incident-watchdog', schedulePrefix)).trigger();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** Recent alerts, newest first, with whether the ops webhook took them. */
export async function listAlerts({ db }: Pick<OperationsDeps, 'db'>) {
  return alertRows(db);
}

/**
 * The monthly stress test, now, at the peak the operator expects (before a big promotion): a
 * workflow on the worker (which has the carrier), stored as a `stress-test` run and shown on the
 * preset checklists. One at a time: a second while one runs is a conflict. Audited.
 */
export async function startStressTest(deps: Pick<OperationsDeps, 'db' | 'temporal' | 'schedulePrefix'> & { taskQueue: string }, input: { callsPerHour: number; seconds?: number; actor: string }): Promise<{ workflowId: string }> {
  const workflowId = `${deps.schedulePrefix ?? ''}stress-test-on-demand`;
  try {
    await deps.temporal.workflow.start(stressTestOnDemand, { workflowId, taskQueue: deps.taskQueue, args: [{ callsPerHour: input.callsPerHour, seconds: input.seconds }], workflowIdConflictPolicy: 'FAIL' });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict('A stress test is running; its result will be in GET /v1/maintenance/runs?routine=stress-test.');
    throw err;
  }
  await audit(deps.db, { actor: input.actor, action: 'maintenance.stress-test', target: workflowId, after: { callsPerHour: input.callsPerHour, seconds: input.seconds ?? null } });
  return { workflowId };
}
