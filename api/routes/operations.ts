/**
 * Operations: the maintenance schedules (list, trigger, pause), their runs, incidents (with
 * operator resume/abort), alerts, and the opt-out safe mode (state, operator resume). The use
 * cases are services/operations.ts and services/opt-out-safety.ts.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { actOnSchedule, getIncident, listAlerts, listIncidents, listMaintenanceRuns, listSchedules, signalIncident, startStressTest, type Incident, type IncidentAction, type ScheduleAction } from '../../services/operations';
import { alertsOf } from '../../services/alerts';
import { resumeOptOutPath, safeModeState } from '../../services/opt-out-safety';
import { SCHEDULES } from '../../services/schedules';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

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

const safeModeView = z
  .object({
    safeMode: z.boolean().describe('on: every answered call offers only the announcement and "press 0 to opt out"'),
    last: z
      .object({
        id: z.uuid(),
        reason: z.string(),
        detail: z.unknown(),
        enteredBy: z.string(),
        enteredAt: z.string(),
        endedBy: z.string().nullable(),
        endedAt: z.string().nullable(),
        endReason: z.string().nullable(),
      })
      .nullable()
      .describe('the safe mode in force, else the last one, else null'),
    carrierListed: z.number().int().describe('numbers on the DNC list because the carrier said they were unsubscribed (21610) while we had not listed them'),
  })
  .openapi('OptOutSafeMode');

const viewOfIncident = (i: Incident) => ({ ...i, openedAt: i.openedAt.toISOString(), closedAt: i.closedAt?.toISOString() ?? null, timeline: i.timeline });

/** Admin: the routines back up the database, stress the carrier and watch for incidents — turning them off or on is a safety decision. */
const scheduleSummaries: Record<ScheduleAction, string> = {
  trigger: 'Run a schedule’s routine now (admin)',
  pause: 'Pause a schedule, e.g. the backup or the incident watchdog (admin)',
  unpause: 'Unpause a schedule (admin)',
};

const scheduleAction = (action: ScheduleAction) =>
  apiRoute('operations', 'admin', {
    method: 'post',
    path: `/v1/maintenance/schedules/{name}/${action}`,
    operationId: `${action}Schedule`,
    summary: scheduleSummaries[action],
    request: { params: nameParam },
    responses: { 200: jsonResponse('The schedule after the action', scheduleView), 404: problemResponse('No such schedule') },
  });

/** Resume releases held cadences and undoes the measure (admin); abort only freezes the automation with its measure in place (operator). */
const incidentAction = (action: IncidentAction, summary: string) =>
  apiRoute('operations', action === 'resume' ? 'admin' : 'operator', {
    method: 'post',
    path: `/v1/incidents/{id}/${action}`,
    operationId: `${action}Incident`,
    summary,
    request: { params: idParam },
    responses: { 202: jsonResponse('Signalled; the timeline shows the step', incidentView), 404: problemResponse('No such incident'), 409: problemResponse('The incident is closed') },
  });

export const operationsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('operations', 'viewer', {
      method: 'get',
      path: '/v1/maintenance/schedules',
      operationId: 'listSchedules',
      summary: 'The maintenance and watchdog schedules, with their next and last runs',
      responses: { 200: jsonResponse('Schedules', z.object({ schedules: z.array(scheduleView) })), 404: problemResponse('A schedule is not registered') },
    }),
    async (c) => c.json({ schedules: await listSchedules(c.var.deps) }, 200),
  )
  .openapi(scheduleAction('trigger'), async (c) => c.json(await actOnSchedule(c.var.deps, { name: c.req.valid('param').name, action: 'trigger', actor: c.var.principal.keyId }), 200))
  .openapi(scheduleAction('pause'), async (c) => c.json(await actOnSchedule(c.var.deps, { name: c.req.valid('param').name, action: 'pause', actor: c.var.principal.keyId }), 200))
  .openapi(scheduleAction('unpause'), async (c) => c.json(await actOnSchedule(c.var.deps, { name: c.req.valid('param').name, action: 'unpause', actor: c.var.principal.keyId }), 200))
  .openapi(
    apiRoute('operations', 'viewer', {
      method: 'get',
      path: '/v1/maintenance/runs',
      operationId: 'listMaintenanceRuns',
      summary: 'Recent maintenance runs and what each check found',
      request: { query: z.object({ routine: z.enum(['daily', 'weekly', 'monthly', 'stress-test']).optional().describe('stress-test: the stress tests run on demand'), limit: z.coerce.number().int().min(1).max(200).default(20) }) },
      responses: { 200: jsonResponse('Runs, newest first', z.object({ runs: z.array(runView) })), 423: problemResponse('A lockdown is in force: the runs list sampled calls of contacts, a bulk read') },
    }),
    async (c) => {
      const rows = await listMaintenanceRuns(c.var.deps, { ...c.req.valid('query'), actor: c.var.principal.keyId });
      return c.json({ runs: rows.map((r) => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString() })) }, 200);
    },
  )
  .openapi(
    apiRoute('operations', 'admin', {
      method: 'post',
      path: '/v1/maintenance/stress-test',
      operationId: 'runStressTest',
      summary: 'Run the monthly stress test now at a target rate, e.g. before a big promotion (admin; simulator only)',
      request: {
        body: jsonBody(
          z
            .strictObject({
              callsPerHour: z.number().int().min(1).max(100_000).describe('The peak to hold'),
              seconds: z.number().int().min(1).max(3600).optional().describe('How long to hold it (default REDIAL_STRESS_SECONDS)'),
            })
            .openapi('StressTestRequest'),
        ),
      },
      responses: {
        202: jsonResponse('Started; the run appears in GET /v1/maintenance/runs?routine=stress-test and on the preset checklists', z.object({ workflowId: z.string() })),
        409: problemResponse('A stress test is running'),
      },
    }),
    async (c) => c.json(await startStressTest(c.var.deps, { ...c.req.valid('json'), actor: c.var.principal.keyId }), 202),
  )
  .openapi(
    apiRoute('operations', 'viewer', {
      method: 'get',
      path: '/v1/incidents',
      operationId: 'listIncidents',
      summary: 'Incidents with their timelines, newest first',
      responses: { 200: jsonResponse('Incidents', z.object({ incidents: z.array(incidentView) })) },
    }),
    async (c) => c.json({ incidents: (await listIncidents(c.var.deps)).map(viewOfIncident) }, 200),
  )
  .openapi(
    apiRoute('operations', 'viewer', {
      method: 'get',
      path: '/v1/incidents/{id}',
      operationId: 'getIncident',
      summary: 'One incident and its timeline',
      request: { params: idParam },
      responses: { 200: jsonResponse('The incident', incidentView), 404: problemResponse('No such incident') },
    }),
    async (c) => c.json(viewOfIncident(await getIncident(c.var.deps, { id: c.req.valid('param').id })), 200),
  )
  .openapi(incidentAction('resume', 'Undo the incident’s automatic measure now (restore the CPS, release held cadences) and close it (admin)'), async (c) =>
    c.json(viewOfIncident(await signalIncident(c.var.deps, { id: c.req.valid('param').id, action: 'resume', actor: c.var.principal.keyId })), 202),
  )
  .openapi(incidentAction('abort', 'Stop the incident’s automation and keep its measure in place (operator)'), async (c) =>
    c.json(viewOfIncident(await signalIncident(c.var.deps, { id: c.req.valid('param').id, action: 'abort', actor: c.var.principal.keyId })), 202),
  )
  .openapi(
    apiRoute('operations', 'viewer', {
      method: 'get',
      path: '/v1/alerts',
      operationId: 'listAlerts',
      summary: 'Recent alerts and whether the ops webhook took them',
      responses: { 200: jsonResponse('Alerts, newest first', z.object({ alerts: z.array(alertView) })) },
    }),
    async (c) =>
      c.json({ alerts: (await listAlerts(c.var.deps)).map((a) => ({ ...a, createdAt: a.createdAt.toISOString(), deliveredAt: a.deliveredAt?.toISOString() ?? null })) }, 200),
  )
  .openapi(
    apiRoute('operations', 'viewer', {
      method: 'get',
      path: '/v1/operations/opt-out-safe-mode',
      operationId: 'getOptOutSafeMode',
      summary: 'Whether the opt-out path is in safe mode (the daily self-check failed), why and since when',
      responses: { 200: jsonResponse('The state', safeModeView) },
    }),
    async (c) => c.json(await safeModeState(c.var.deps, { tenant: c.var.deps.tenant }), 200),
  )
  .openapi(
    apiRoute('operations', 'operator', {
      method: 'post',
      path: '/v1/operations/opt-out-safe-mode/resume',
      operationId: 'resumeOptOutPath',
      summary: 'End opt-out safe mode: the fix is in and was tested (operator; audited)',
      description:
        'Safe mode also ends by itself when the opt-out self-check passes again: triggering the daily routine (POST /v1/maintenance/schedules/maintenance-daily/trigger) is the test. This action is for a fix tested otherwise, and needs the reason. Numbers the playbook held stay held: review each on its contact.',
      request: { body: jsonBody(z.strictObject({ reason: z.string().trim().min(10).max(1000).describe('what was fixed and how it was tested') }).openapi('OptOutResume')) },
      responses: { 200: jsonResponse('Resumed: the state after it', safeModeView), 409: problemResponse('The opt-out path is not in safe mode (`conflict`)') },
    }),
    async (c) =>
      c.json(await resumeOptOutPath({ db: c.var.deps.db, raiseAlert: alertsOf(c.var.deps) }, { actor: c.var.principal.keyId, reason: c.req.valid('json').reason, tenant: c.var.deps.tenant }), 200),
  );
