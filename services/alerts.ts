/**
 * Alerts to ops, raised by routines, incidents, line changes and the opt-out playbook, from the
 * worker or the API: the alert is a row first, then a delivery through the outbox
 * (services/outbox.ts) when an ops webhook is configured — delivered now, in order behind anything
 * still queued; a failure is recorded on the alert and retried; a lockdown holds it. Never lost.
 */
import type { Db } from '../db/client';
import { alerts } from '../db/schema';
import { redactPhones } from '../domain/phone';
import { redactSecrets } from '../domain/secrets';
import type { AlertInput } from '../workflows/contracts';
import { sendOpsAlert } from './outbox';

export type { AlertInput };

export interface AlertDeps {
  db: Db;
  /** REDIAL_OPS_WEBHOOK_URL; unset: the alert is stored only (GET /v1/alerts). */
  opsWebhookUrl?: string;
  log: (msg: string, alertId: number) => void;
}

/** What a use case is given to tell ops: the worker's raiseAlert activity or the API's own. */
export type RaiseAlert = (a: AlertInput) => Promise<number>;

/** Stores the alert (no credentials, no phone numbers: alerts quote errors) and sends it to ops; its id. */
export async function raiseAlert(deps: AlertDeps, input: AlertInput): Promise<number> {
  const a: AlertInput = { ...input, message: redactPhones(redactSecrets(input.message)) };
  const [row] = await deps.db.insert(alerts).values({ kind: a.kind, severity: a.severity, message: a.message, detail: a.detail ?? null }).returning({ id: alerts.id });
  if (deps.opsWebhookUrl) {
    await sendOpsAlert({ db: deps.db, log: (m) => deps.log(m, row!.id) }, { url: deps.opsWebhookUrl, alertId: row!.id, payload: { id: row!.id, ...a, at: new Date().toISOString() } });
  }
  return row!.id;
}

/** The API's way to raise alerts: its own database, ops webhook (REDIAL_OPS_WEBHOOK_URL) and log. */
export const alertsOf = (deps: { db: Db; opsWebhookUrl?: string; log: (msg: string) => void }): RaiseAlert => (a) =>
  raiseAlert({ db: deps.db, opsWebhookUrl: deps.opsWebhookUrl, log: (m, id) => deps.log(`alert ${id}: ${m}`) }, a);
