/**
 * Operations: the maintenance schedules (list, trigger, pause), their runs, incidents (with
 * operator resume/abort) and alerts. Schedules live in Temporal; runs, incidents and alerts in
 * PostgreSQL.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { desc, eq } from 'drizzle-orm';
import { audit } from '../../db/queries/audit';
import { incidentById, listAlerts, listIncidents, type Incident } from '../../db/queries/operations';
import { maintenanceRuns } from '../../db/schema';
import { SCHEDULES, scheduleId, type ScheduleName } from '../../services/schedules';
import { abortIncidentSignal, resumeIncidentSignal } from '../../workflows/incidents';
import { requireRole } from '../auth';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse } from '../errors';

const errs = { 400: problemResponse('Invalid request'), 401: problemResponse('Missing or invalid API key'), 403: problemResponse('Role too low') };
const jsonOk = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });
const nameParam = z.object({ name: z.enum(SCHEDULES).openapi({ param: { name: 'name', in: 'path' } }) });
const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const scheduleView = z
  .object({ name: z.string(), scheduleId: z.string(), paused: z.boolean(), note: z.string().nullable(), nextRunAt: z.string().nullable(), lastRunAt: z.string().nullable(), runningWorkflows: z.array(z.string()) })
  .openapi('Schedule');
const checkView = z.object({ name: z.string(), status: z.enum(['ok', 'attention', 'failed', 'skipped']), summary: z.string(), detail: z.unknown().optional() });
const runView = z
  .object({ id: z.number().int(), routine: z.string(), workflowId: z.string(), runId: z.string(), status: z.string(), startedAt: z.string(), finishedAt: z.string(), results: z.array(checkView) })
  .openapi('MaintenanceRun');
const incidentView = z
  .object({ id: z.uuid(), kind: z.string(), subject: z.string(), status: z.string(), workflowId: z.string(), openedAt: z.string(), closedAt: z.string().nullable(), timeline: z.array(z.object({ at: z.string(), step: z.string(), detail: z.unknown().optional() })) })
  .openapi('Incident');
const alertView = z
  .object({ id: z.number().int(), kind: z.string(), severity: z.string(), message: z.string(), detail: z.unknown(), createdAt: z.string(), deliveredAt: z.string().nullable(), deliveryError: z.string().nullable() })
  .openapi('Alert');

const viewOfIncident = (i: Incident) => ({ ...i, openedAt: i.openedAt.toISOString(), closedAt: i.closedAt?.toISOString() ?? null, timeline: i.timeline });

/** Runs a Temporal call on a schedule; an unregistered schedule is a 404. */
async function onSchedule<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new ApiError(404, ErrorCode.notFound, `Schedule ${id} is not registered (the worker registers it at start unless REDIAL_SCHEDULES=off).`);
    throw err;
  }
}

async function describeSchedule(c: { var: AppEnv['Variables'] }, name: ScheduleName) {
  const id = scheduleId(name, c.var.deps.schedulePrefix);
  const d = await onSchedule(id, () => c.var.deps.temporal.schedule.getHandle(id).describe());
  const last = d.info.recentActions.at(-1);
  return {
    name,
    scheduleId: id,
    paused: d.state.paused,
    note: typeof d.memo?.note === 'string' ? d.memo.note : null,
    nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
    lastRunAt: last?.takenAt.toISOString() ?? null,
    runningWorkflows: d.info.runningActions.map((a) => a.workflow.workflowId),
  };
}

type ScheduleHandle = ReturnType<Client['schedule']['getHandle']>;
const scheduleActions = {
  trigger: { summary: 'Run a schedule’s routine now (operator)', run: (h: ScheduleHandle) => h.trigger() },
  pause: { summary: 'Pause a schedule (operator)', run: (h: ScheduleHandle, by: string) => h.pause(`paused through the API by ${by}`) },
  unpause: { summary: 'Unpause a schedule (operator)', run: (h: ScheduleHandle, by: string) => h.unpause(`unpaused through the API by ${by}`) },
};

async function actOnSchedule(c: { var: AppEnv['Variables'] }, name: ScheduleName, action: keyof typeof scheduleActions) {
  const id = scheduleId(name, c.var.deps.schedulePrefix);
  await onSchedule(id, () => scheduleActions[action].run(c.var.deps.temporal.schedule.getHandle(id), c.var.principal.keyId));
  await audit(c.var.deps.db, { actor: c.var.principal.keyId, action: `schedule.${action}`, target: name });
  return describeSchedule(c, name);
}

const scheduleAction = (action: keyof typeof scheduleActions) =>
  createRoute({
    method: 'post',
    path: `/v1/maintenance/schedules/{name}/${action}`,
    operationId: `${action}Schedule`,
    summary: scheduleActions[action].summary,
    tags: ['operations'],
    middleware: [requireRole('operator')] as const,
    security: [{ bearer: [] }],
    request: { params: nameParam },
    responses: { 200: jsonOk('The schedule after the action', scheduleView), ...errs, 404: problemResponse('No such schedule') },
  });

const incidentAction = (action: 'resume' | 'abort', summary: string) =>
  createRoute({
    method: 'post',
    path: `/v1/incidents/{id}/${action}`,
    operationId: `${action}Incident`,
    summary,
    tags: ['operations'],
    middleware: [requireRole('operator')] as const,
    security: [{ bearer: [] }],
    request: { params: idParam },
    responses: { 202: jsonOk('Signalled; the timeline shows the step', incidentView), ...errs, 404: problemResponse('No such incident'), 409: problemResponse('The incident is closed') },
  });

async function signalIncident(c: { var: AppEnv['Variables'] }, id: string, which: 'resume' | 'abort') {
  const incident = await incidentById(c.var.deps.db, id);
  if (!incident) throw new ApiError(404, ErrorCode.notFound, `No incident ${id}.`);
  const open = incident.status === 'open' || (which === 'resume' && incident.status === 'aborted');
  if (!open) throw new ApiError(409, ErrorCode.conflict, `Incident ${id} is ${incident.status}; only an open incident can be ${which === 'resume' ? 'resumed' : 'aborted'}.`);
  try {
    await c.var.deps.temporal.workflow.getHandle(incident.workflowId).signal(which === 'resume' ? resumeIncidentSignal : abortIncidentSignal, { by: c.var.principal.keyId });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(409, ErrorCode.conflict, `Incident ${id}'s workflow is no longer running.`);
    throw err;
  }
  await audit(c.var.deps.db, { actor: c.var.principal.keyId, action: `incident.${which}`, target: id });
  return incident;
}

export const operationsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/maintenance/schedules',
      operationId: 'listSchedules',
      summary: 'The maintenance and watchdog schedules, with their next and last runs',
      tags: ['operations'],
      middleware: [requireRole('viewer')] as const,
      security: [{ bearer: [] }],
      responses: { 200: jsonOk('Schedules', z.object({ schedules: z.array(scheduleView) })), ...errs, 404: problemResponse('A schedule is not registered') },
    }),
    async (c) => c.json({ schedules: await Promise.all(SCHEDULES.map((n) => describeSchedule(c, n))) }, 200),
  )
  .openapi(scheduleAction('trigger'), async (c) => c.json(await actOnSchedule(c, c.req.valid('param').name, 'trigger'), 200))
  .openapi(scheduleAction('pause'), async (c) => c.json(await actOnSchedule(c, c.req.valid('param').name, 'pause'), 200))
  .openapi(scheduleAction('unpause'), async (c) => c.json(await actOnSchedule(c, c.req.valid('param').name, 'unpause'), 200))
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/maintenance/runs',
      operationId: 'listMaintenanceRuns',
      summary: 'Recent maintenance runs and what each check found',
      tags: ['operations'],
      middleware: [requireRole('viewer')] as const,
      security: [{ bearer: [] }],
      request: { query: z.object({ routine: z.enum(['daily', 'weekly', 'monthly']).optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }) },
      responses: { 200: jsonOk('Runs, newest first', z.object({ runs: z.array(runView) })), ...errs },
    }),
    async (c) => {
      const { routine, limit } = c.req.valid('query');
      const rows = await c.var.deps.db.select().from(maintenanceRuns).where(routine ? eq(maintenanceRuns.routine, routine) : undefined).orderBy(desc(maintenanceRuns.id)).limit(limit);
      return c.json({ runs: rows.map((r) => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString() })) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/incidents',
      operationId: 'listIncidents',
      summary: 'Incidents with their timelines, newest first',
      tags: ['operations'],
      middleware: [requireRole('viewer')] as const,
      security: [{ bearer: [] }],
      responses: { 200: jsonOk('Incidents', z.object({ incidents: z.array(incidentView) })), ...errs },
    }),
    async (c) => c.json({ incidents: (await listIncidents(c.var.deps.db)).map(viewOfIncident) }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/incidents/{id}',
      operationId: 'getIncident',
      summary: 'One incident and its timeline',
      tags: ['operations'],
      middleware: [requireRole('viewer')] as const,
      security: [{ bearer: [] }],
      request: { params: idParam },
      responses: { 200: jsonOk('The incident', incidentView), ...errs, 404: problemResponse('No such incident') },
    }),
    async (c) => {
      const i = await incidentById(c.var.deps.db, c.req.valid('param').id);
      if (!i) throw new ApiError(404, ErrorCode.notFound, `No incident ${c.req.valid('param').id}.`);
      return c.json(viewOfIncident(i), 200);
    },
  )
  .openapi(incidentAction('resume', 'Undo the incident’s automatic measure now (restore the CPS, release held cadences) and close it (operator)'), async (c) =>
    c.json(viewOfIncident(await signalIncident(c, c.req.valid('param').id, 'resume')), 202),
  )
  .openapi(incidentAction('abort', 'Stop the incident’s automation and keep its measure in place (operator)'), async (c) =>
    c.json(viewOfIncident(await signalIncident(c, c.req.valid('param').id, 'abort')), 202),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts',
      operationId: 'listAlerts',
      summary: 'Recent alerts and whether the ops webhook took them',
      tags: ['operations'],
      middleware: [requireRole('viewer')] as const,
      security: [{ bearer: [] }],
      responses: { 200: jsonOk('Alerts, newest first', z.object({ alerts: z.array(alertView) })), ...errs },
    }),
    async (c) =>
      c.json({ alerts: (await listAlerts(c.var.deps.db)).map((a) => ({ ...a, createdAt: a.createdAt.toISOString(), deliveredAt: a.deliveredAt?.toISOString() ?? null })) }, 200),
  );
