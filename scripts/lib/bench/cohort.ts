/**
 * A cohort: many contacts enrolled the way a user with a list of leads does it — one campaign, one
 * CSV through POST /v1/contacts/import, the enrolment workflow delivering one event per contact —
 * followed until every cadence has planned its first attempt and sleeps (its RedialNextAttemptAt set).
 */
import type { Client } from '@temporalio/client';
import { CAMPAIGN, NEXT_ATTEMPT_AT } from '../../../workflows/search-attributes';
import type { StrategyInput } from '../../../domain/strategy';
import { sleep } from './measure';

/** The i-th valid North American number in an area code, ending in 7 (the simulator's callee who listens). */
export const nanp = (area: string, i: number) => `+1${area}${200 + Math.floor(i / 1000)}${String((i % 1000) * 10 + 7).padStart(4, '0')}`;

export const cohortPhones = (area: string, n: number) => Array.from({ length: n }, (_, i) => nanp(area, i));

export interface Api {
  apiUrl: string;
  adminKey: string;
}

/** What a cohort's cadences are started by: a payment due (its first-contact deadline is a day, so a night's sleep misses none). */
export const COHORT_EVENT = 'payment.due';

async function call<T>(api: Api, method: string, path: string, body?: string, type = 'application/json'): Promise<T> {
  const res = await fetch(`${api.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${api.adminKey}`, ...(body !== undefined ? { 'content-type': type } : {}) }, body });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function createCampaign(api: Api, id: string, strategy: StrategyInput = {}) {
  await call(api, 'POST', '/v1/campaigns', JSON.stringify({ id, name: `Bench ${id}`, strategy }));
}

export interface Enrolment {
  importId: string;
  /** Seconds POST /v1/contacts/import took (contacts validated and written; the enrolment then runs in the background). */
  postSeconds: number;
  /** When the POST was sent (epoch ms). */
  startedAt: number;
}

/** Imports `phones` (all in `timeZone`) into `campaignId`: the enrolment starts one cadence per row. */
export async function importCohort(api: Api, campaignId: string, phones: string[], timeZone: string): Promise<Enrolment> {
  const csv = `phone,timeZone\n${phones.map((p) => `${p},${timeZone}`).join('\n')}\n`;
  const startedAt = Date.now();
  const report = await call<{ importId: string; valid: number }>(api, 'POST', `/v1/contacts/import?campaignId=${campaignId}&event=${COHORT_EVENT}`, csv, 'text/csv');
  if (report.valid !== phones.length) throw new Error(`import: ${report.valid}/${phones.length} rows valid`);
  return { importId: report.importId, postSeconds: (Date.now() - startedAt) / 1000, startedAt };
}

export async function enrolled(api: Api, importId: string): Promise<{ enrolled: number; status: string }> {
  return call(api, 'GET', `/v1/imports/${importId}`);
}

/** Cadences of the campaign that sleep on their first planned attempt (visibility lags a second or two). */
export async function asleep(temporal: Client, campaignId: string): Promise<number> {
  const query = `WorkflowType = 'cadence' AND ExecutionStatus = 'Running' AND ${CAMPAIGN.name} = '${campaignId}' AND ${NEXT_ATTEMPT_AT.name} > '2000-01-01T00:00:00Z'`;
  return (await temporal.workflow.count(query)).count;
}

/**
 * Follows a cohort until all `n` cadences sleep or `timeoutMs` passes, calling `tick` every
 * `everyMs` with what is known. Returns when the last one was seen enrolled and asleep (epoch ms;
 * NaN when not all were).
 */
export async function followCohort(
  api: Api,
  temporal: Client,
  campaignId: string,
  e: Enrolment,
  n: number,
  opts: { everyMs: number; timeoutMs: number; tick: (s: { enrolled: number; asleep: number }) => void },
): Promise<{ enrolledAt: number; asleepAt: number }> {
  let enrolledAt = NaN;
  const until = Date.now() + opts.timeoutMs;
  while (Date.now() < until) {
    const imp = await enrolled(api, e.importId);
    if (Number.isNaN(enrolledAt) && imp.status === 'done') enrolledAt = Date.now();
    const sleeping = await asleep(temporal, campaignId);
    opts.tick({ enrolled: imp.enrolled, asleep: sleeping });
    if (sleeping >= n) return { enrolledAt, asleepAt: Date.now() };
    await sleep(opts.everyMs);
  }
  return { enrolledAt, asleepAt: NaN };
}
