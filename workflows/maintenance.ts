/**
 * The scheduled routines (DESIGN.md "Scheduled routines"): each a workflow that runs its checks
 * as activities — one failing check never stops the others — and stores the run in
 * maintenance_runs. Temporal Schedules start them (services/schedules.ts); operators trigger,
 * pause and watch them in the Temporal UI, the `temporal` CLI or the API.
 */
import { ActivityFailure, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RedialActivities, StressTarget } from './contracts';
import type { CheckResult } from '../domain/maintenance';

const quick = proxyActivities<RedialActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });
/** Backups, self-checks and stress tests take minutes and report progress by heartbeat. */
const long = proxyActivities<RedialActivities>({ startToCloseTimeout: '1 hour', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 2 } });

type Check = () => Promise<CheckResult>;

/** Runs that started before the industry checks existed replay without them. */
const PLAYBOOKS = 'industry-playbook-checks';

async function runRoutine(routine: 'daily' | 'weekly' | 'monthly' | 'stress-test', checks: Record<string, Check>): Promise<CheckResult[]> {
  const startedAt = Date.now();
  const results: CheckResult[] = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      results.push(await check());
    } catch (err) {
      const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
      results.push({ name, status: 'failed', summary: (cause as Error).message ?? String(cause) });
    }
  }
  const { workflowId, runId } = workflowInfo();
  await quick.recordRun({ routine, workflowId, runId, startedAt, results });
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length) await quick.raiseAlert({ kind: `maintenance-${routine}`, severity: 'critical', message: `${routine} maintenance: ${failed.map((f) => `${f.name} failed (${f.summary})`).join('; ')}` });
  return results;
}

export async function dailyMaintenance(): Promise<CheckResult[]> {
  return runRoutine('daily', {
    'alert-rates': quick.checkAlertRates,
    'close-weak-lines': quick.closeWeakLines,
    'purge-contacts': quick.purgeContacts,
    'disk-space': quick.checkDisk,
    'sample-calls': quick.sampleCalls,
    'self-check-opt-out': long.selfCheckOptOut,
    ...(patched(PLAYBOOKS) ? { 'link-check': quick.checkLinks, playbook: () => quick.checkPlaybooks({ routine: 'daily' }) } : {}),
    // added later: runs recorded before it replay without it
    ...(patched(DATABASE_HEALTH) ? { 'database-health': long.checkDatabaseHealth } : {}),
  });
}

/** The daily routine's database upkeep (ANALYZE, REINDEX CONCURRENTLY): a step added to a running schedule's workflow. */
const DATABASE_HEALTH = 'daily-database-health';

export async function weeklyMaintenance(): Promise<CheckResult[]> {
  return runRoutine('weekly', {
    backup: long.backupDatabase,
    'permission-audit': quick.permissionAudit,
    'strategy-review': quick.strategyReview,
    ...(patched(PLAYBOOKS) ? { playbook: () => quick.checkPlaybooks({ routine: 'weekly' }), 'intent-scripts': quick.checkIntentScripts } : {}),
  });
}

export async function monthlyMaintenance(): Promise<CheckResult[]> {
  return runRoutine('monthly', {
    'stress-test': long.stressTest,
    'line-stability': quick.lineStability,
    'recordings-retention': quick.recordingsRetention,
    ...(patched(PLAYBOOKS) ? { 'sensitive-words': quick.scanSensitiveWords, playbook: () => quick.checkPlaybooks({ routine: 'monthly' }) } : {}),
  });
}

/** The monthly stress test on demand (POST /v1/maintenance/stress-test), e.g. before a big promotion: stored as a `stress-test` run. */
export async function stressTestOnDemand(target: StressTarget): Promise<CheckResult[]> {
  return runRoutine('stress-test', { 'stress-test': () => long.stressTest(target) });
}
