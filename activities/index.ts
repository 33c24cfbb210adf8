/**
 * Redial's activities, assembled once per worker from real clients: each group implements its
 * contract in workflows/contracts.ts, in the file for its concern (gate, dialling, sms, bulk, ops,
 * maintenance). Each does one side effect and is safe to retry.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Keyring } from '../services/keyring';
import { DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY } from '../domain/daily-cap';
import { defaultFailover, type FailoverPolicy } from '../domain/failover';
import { TASK_QUEUE } from '../workflows/constants';
import type { RedialActivities } from '../workflows/contracts';
import { createBulkActivities } from './bulk';
import { createCrmActivities } from './crm';
import { createDeadlineActivities, type DeadlineAlertPolicy } from './deadlines';
import type { Carrier } from './carrier';
import { createDialingActivities } from './dialling';
import { createGateActivities } from './gate';
import { createMaintenanceActivities, type MaintenanceConfig } from './maintenance';
import type { LinkProbeConfig } from '../services/link-probe';
import { createOpsActivities } from './ops';
import { createSmsActivities } from './sms';

export interface ActivityDeps {
  db: Db;
  carrier: Carrier;
  /** Names cadences (keyed hashes) and opens sealed carrier tokens (services/keyring.ts). */
  keyring: Keyring;
  /** The real clock in production; tests on the time-skipping server pass the server's clock. */
  clock: () => Promise<number> | number;
  /** Where the carrier reaches our webhooks (the API's public base URL). */
  publicUrl: string;
  failover?: FailoverPolicy;
  /** The per-person daily ceiling the gate enforces across campaigns (REDIAL_MAX_CALLS_PER_PERSON_PER_DAY; default 2). */
  maxCallsPerPersonPerDay?: number;
  /** For the bulk activities, which talk to many cadences (absent in tests that run none). */
  temporal?: Client;
  /** The task queue cadences run on (TASK_QUEUE unless a test runs its own). */
  taskQueue?: string;
  /** Alerts are POSTed here (REDIAL_OPS_WEBHOOK_URL). */
  opsWebhookUrl?: string;
  /** When missed first-contact deadlines page ops (default: 10 of one campaign within an hour). */
  deadlineAlert?: DeadlineAlertPolicy;
  /** What the maintenance routines need (paths, backup targets, self-check numbers); see worker/config.ts. */
  maintenance?: MaintenanceConfig;
  /** Tests only: where the link check's probe connects (services/link-probe.ts). */
  linkProbe?: Partial<LinkProbeConfig>;
}

/** Where no maintenance configuration is given (tests of other parts): checks that need one skip or fail clearly. */
const unconfiguredMaintenance: MaintenanceConfig = {
  tenant: 'default',
  databaseUrl: '',
  dataDir: '.',
  recordingsDir: '.',
  backupTargets: [],
  backupKeep: 8,
  selfCheckSmsNumber: '+15005550105',
  selfCheckTimeoutMs: 120_000,
  stressCallsPerHour: 5000,
  stressDurationMs: 60_000,
  recordingRetentionDays: 400,
};

export function createActivities(deps: ActivityDeps): RedialActivities {
  const { db, carrier } = deps;
  const taskQueue = deps.taskQueue ?? TASK_QUEUE;
  const ops = createOpsActivities({ db, temporal: deps.temporal, taskQueue, carrier, opsWebhookUrl: deps.opsWebhookUrl });
  const carrierDeps = { db, carrier, publicUrl: deps.publicUrl, failover: deps.failover ?? defaultFailover, raiseAlert: ops.raiseAlert, temporal: deps.temporal, keyring: deps.keyring };
  return {
    ...createGateActivities({ db, clock: deps.clock, maxCallsPerPersonPerDay: deps.maxCallsPerPersonPerDay ?? DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY }),
    ...createDialingActivities(carrierDeps),
    ...createSmsActivities(carrierDeps),
    ...createBulkActivities({ db, temporal: deps.temporal, taskQueue, keyring: deps.keyring }),
    ...ops,
    ...createCrmActivities({ db, keyring: deps.keyring }),
    ...createDeadlineActivities({ db, raiseAlert: ops.raiseAlert, alert: deps.deadlineAlert }),
    ...createMaintenanceActivities({ db, carrier, temporal: deps.temporal, taskQueue, keyring: deps.keyring, config: deps.maintenance ?? unconfiguredMaintenance, raiseAlert: ops.raiseAlert, linkProbe: deps.linkProbe }),
  };
}
