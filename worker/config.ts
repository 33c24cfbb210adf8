import path from 'node:path';
import { z } from 'zod';
import { baseConfigSchema } from '../services/config';
import type { MaintenanceConfig } from '../activities/maintenance';
import { DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY } from '../domain/daily-cap';
import { defaultIncidentPolicy, type IncidentPolicy } from '../domain/incident';

export const workerConfigSchema = baseConfigSchema.extend({
  /** Where the carrier reaches the API's webhooks (status callbacks, TwiML). */
  REDIAL_PUBLIC_URL: z.string().url().default('http://127.0.0.1:8080'),
  /** The carrier API origin: the simulator's URL; unset means real Twilio. */
  TWILIO_API_BASE_URL: z.string().url().optional(),
  /**
   * Workflows kept in the worker's sticky cache. Sleeping cadences beyond it are evicted and
   * replayed when they wake, so memory stays flat however many cadences sleep.
   */
  REDIAL_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
  /**
   * How long a cached cadence's workflow task may wait for this worker before the server hands it
   * to the shared queue (Temporal's default: 10 s). When a window opens for thousands of cadences
   * at once, a busy worker takes longer than 10 s to reach some; each such timeout then cost a task
   * retried from the shared queue and a replay of the whole history (the bench's window phase:
   * 289 of 300 sampled histories had one). The cost: after a worker dies, tasks already queued for
   * it wait this long before another worker takes them (new ones move as soon as the server misses
   * its polls, ~10 s).
   */
  REDIAL_WORKER_STICKY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /**
   * The heap of the workflow thread (where the cache lives), in MiB. V8's default limit follows the
   * machine's memory (about 4 GiB on 24 GiB), and up to it V8 keeps evicted cadences as garbage
   * rather than collect them: the worker's RSS grew with every cadence that fell asleep (issue 18:
   * +150 KiB per cadence past the cache at 3,000). Bounded, it stays flat. 1,000 cached cadences
   * take about 300 MiB.
   */
  REDIAL_WORKER_WORKFLOW_HEAP_MB: z.coerce.number().int().min(256).default(768),
  /**
   * Calls to one person per local day across every campaign: a ceiling no strategy raises (a
   * strategy's maxCallsPerDay can only lower it). The gate enforces it; cadences plan with it.
   */
  REDIAL_MAX_CALLS_PER_PERSON_PER_DAY: z.coerce.number().int().min(1).max(10).default(DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY),
  /** Missed first-contact deadlines of one campaign within an hour that alert ops. */
  REDIAL_DEADLINE_ALERT_MISSES: z.coerce.number().int().min(1).default(10),
  /**
   * A workflow bundle built beforehand (`bundleWorkflowCode`; npm start builds one per start), so
   * the worker polls at once instead of bundling workflows/ itself. Unset: it bundles.
   */
  REDIAL_WORKFLOW_BUNDLE: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  /** Register the maintenance and watchdog schedules at start (idempotent). */
  REDIAL_SCHEDULES: z.enum(['on', 'off']).default('on'),
  /** The time zone of the routines' clock times (daily 03:00, weekly Sunday 04:00, monthly 1st 05:00). */
  REDIAL_MAINTENANCE_TIME_ZONE: z.string().default('UTC'),
  /** Alerts are POSTed here as JSON. */
  REDIAL_OPS_WEBHOOK_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  REDIAL_DATA_DIR: z.string().default('.redial'),
  /** The recordings store; unset: `recordings` under REDIAL_DATA_DIR. */
  REDIAL_RECORDINGS_DIR: z.string().optional(),
  /** Comma-separated backup directories: the first local, the rest copies (e.g. a mounted second disk or bucket). */
  REDIAL_BACKUP_DIRS: z.string().default('.redial/backups,.redial/backups-copy'),
  REDIAL_BACKUP_KEEP: z.coerce.number().int().min(1).default(8),
  /** Where pg_dump / pg_restore live when not on PATH (default: `pg_config --bindir`). */
  PG_BINDIR: z.string().optional(),
  /**
   * A number that answers and presses 0, for the daily opt-out self-check. On the simulator any
   * number ending in 4 does (the default); on a real carrier the DTMF check is skipped until set.
   */
  REDIAL_SELF_CHECK_DTMF_NUMBER: z.string().optional(),
  /** The simulator number the SMS half of the self-check texts from (simulator only). */
  REDIAL_SELF_CHECK_SMS_NUMBER: z.string().default('+15005550105'),
  /** The monthly stress test's peak (DESIGN.md: 5,000 calls an hour for e-commerce) and duration. */
  REDIAL_STRESS_CALLS_PER_HOUR: z.coerce.number().int().min(1).default(5000),
  REDIAL_STRESS_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Incidents: how long a lowered CPS is watched before the rollback, and how often it is checked. */
  REDIAL_INCIDENT_WATCH_MINUTES: z.coerce.number().min(0.01).default(60),
  REDIAL_INCIDENT_CHECK_MINUTES: z.coerce.number().min(0.01).default(5),
  /**
   * The worker's Prometheus /metrics (worker/metrics.ts): its port (0: any free one; off: none, and
   * no Temporal SDK metrics either) and the address it binds (0.0.0.0 in a container, for Prometheus).
   */
  REDIAL_WORKER_METRICS_PORT: z.union([z.literal('off'), z.coerce.number().int().min(0).max(65535)]).default(9464),
  REDIAL_WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  /**
   * Script incidents (domain/incident.ts): over this window, at least this many spoken turns with at
   * least this share not understood, or this many people asking for a person after a misunderstanding.
   */
  REDIAL_SCRIPT_WINDOW_MINUTES: z.coerce.number().min(0.1).default(defaultIncidentPolicy.scriptWindowMs / 60_000),
  REDIAL_SCRIPT_MIN_TURNS: z.coerce.number().int().min(1).default(defaultIncidentPolicy.scriptMinTurns),
  REDIAL_SCRIPT_UNKNOWN_RATE: z.coerce.number().gt(0).max(1).default(defaultIncidentPolicy.scriptUnknownRate),
  REDIAL_SCRIPT_HUMAN_AFTER_MISUNDERSTANDING: z.coerce.number().int().min(1).default(defaultIncidentPolicy.scriptHumanAfterMisunderstanding),
});

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export function maintenanceConfig(cfg: WorkerConfig): MaintenanceConfig {
  return {
    tenant: cfg.REDIAL_TENANT,
    databaseUrl: cfg.DATABASE_URL,
    dataDir: path.resolve(cfg.REDIAL_DATA_DIR),
    recordingsDir: path.resolve(cfg.REDIAL_RECORDINGS_DIR ?? path.join(cfg.REDIAL_DATA_DIR, 'recordings')),
    backupTargets: cfg.REDIAL_BACKUP_DIRS.split(',').map((d) => d.trim()).filter(Boolean).map((d) => path.resolve(d)),
    backupKeep: cfg.REDIAL_BACKUP_KEEP,
    pgBinDir: cfg.PG_BINDIR,
    // TWILIO_API_BASE_URL is set only when the carrier is the simulator
    simUrl: cfg.TWILIO_API_BASE_URL,
    selfCheckDtmfNumber: cfg.REDIAL_SELF_CHECK_DTMF_NUMBER ?? (cfg.TWILIO_API_BASE_URL ? '+15005550104' : undefined),
    selfCheckSmsNumber: cfg.REDIAL_SELF_CHECK_SMS_NUMBER,
    selfCheckTimeoutMs: 120_000,
    stressCallsPerHour: cfg.REDIAL_STRESS_CALLS_PER_HOUR,
    stressDurationMs: cfg.REDIAL_STRESS_SECONDS * 1000,
  };
}

export function incidentPolicy(cfg: WorkerConfig): IncidentPolicy {
  return {
    ...defaultIncidentPolicy,
    watchMs: cfg.REDIAL_INCIDENT_WATCH_MINUTES * 60_000,
    checkEveryMs: cfg.REDIAL_INCIDENT_CHECK_MINUTES * 60_000,
    scriptWindowMs: cfg.REDIAL_SCRIPT_WINDOW_MINUTES * 60_000,
    scriptMinTurns: cfg.REDIAL_SCRIPT_MIN_TURNS,
    scriptUnknownRate: cfg.REDIAL_SCRIPT_UNKNOWN_RATE,
    scriptHumanAfterMisunderstanding: cfg.REDIAL_SCRIPT_HUMAN_AFTER_MISUNDERSTANDING,
  };
}
