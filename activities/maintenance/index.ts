/**
 * The checks of the daily, weekly and monthly routines (DESIGN.md "Scheduled routines"). Each
 * returns a CheckResult — ok, attention (a finding), skipped (not possible here, and why) — and
 * raises an alert for findings; workflows/maintenance.ts runs them and stores the run.
 * The checks live in daily.ts, weekly.ts and monthly.ts; this file assembles them.
 */
import { maintenanceRuns } from '../../db/schema';
import { runStatus, type CheckResult } from '../../domain/maintenance';
import { redactSecrets } from '../../domain/secrets';
import type { MaintenanceActivities } from '../../workflows/contracts';
import type { MaintenanceDeps } from './deps';
import { checkAlertRates, checkDatabaseHealth, checkDisk, checkLinks, closeWeakLines, purgeContacts, sampleCalls, selfCheckOptOut } from './daily';
import { lineStability, recordingsRetention, scanSensitiveWords, stressTest } from './monthly';
import { checkIntentScripts, checkPlaybooks } from './playbooks';
import { backupDatabase, permissionAudit, strategyReview } from './weekly';

export type { MaintenanceConfig, MaintenanceDeps } from './deps';

/**
 * Stores a routine's run; the status is its worst check. Viewers read these: a summary (a failed
 * check's error) is stored without credentials whatever the check threw.
 */
export async function recordRun(deps: MaintenanceDeps, r: { routine: string; workflowId: string; runId: string; startedAt: number; results: CheckResult[] }): Promise<number> {
  const results = r.results.map((x) => ({ ...x, summary: redactSecrets(x.summary) }));
  const [row] = await deps.db
    .insert(maintenanceRuns)
    .values({ routine: r.routine, workflowId: r.workflowId, runId: r.runId, status: runStatus(results), results, startedAt: new Date(r.startedAt) })
    .returning({ id: maintenanceRuns.id });
  return row!.id;
}

export function createMaintenanceActivities(deps: MaintenanceDeps): MaintenanceActivities {
  return {
    recordRun: (r) => recordRun(deps, r),
    // daily
    checkAlertRates: () => checkAlertRates(deps),
    closeWeakLines: () => closeWeakLines(deps),
    purgeContacts: () => purgeContacts(deps),
    checkDisk: () => checkDisk(deps),
    sampleCalls: () => sampleCalls(deps),
    selfCheckOptOut: () => selfCheckOptOut(deps),
    checkDatabaseHealth: () => checkDatabaseHealth(deps),
    // weekly
    backupDatabase: () => backupDatabase(deps),
    permissionAudit: () => permissionAudit(deps),
    strategyReview: () => strategyReview(deps),
    // monthly
    stressTest: (target) => stressTest(deps, target),
    lineStability: () => lineStability(deps),
    recordingsRetention: () => recordingsRetention(deps),
    // industry playbooks
    checkLinks: () => checkLinks(deps),
    checkPlaybooks: (req) => checkPlaybooks(deps, req),
    checkIntentScripts: () => checkIntentScripts(),
    scanSensitiveWords: () => scanSensitiveWords(deps),
  };
}
