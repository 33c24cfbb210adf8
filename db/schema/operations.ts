import type { CheckResult } from '../../domain/maintenance';
import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Every run of a scheduled (or triggered) maintenance routine and what each check found. */
export const maintenanceRuns = pgTable(
  'maintenance_runs',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    /** daily | weekly | monthly */
    routine: text().notNull(),
    workflowId: text().notNull(),
    runId: text().notNull(),
    /** ok | attention | failed: the worst of its checks */
    status: text().notNull(),
    results: jsonb().$type<CheckResult[]>().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('maintenance_runs_routine_idx').on(t.routine, t.finishedAt)],
);

/** Alerts raised by routines and incidents; each is also posted to the ops webhook when one is set. */
export const alerts = pgTable('alerts', {
  id: bigserial({ mode: 'number' }).primaryKey(),
  kind: text().notNull(),
  /** warning | critical */
  severity: text().notNull(),
  message: text().notNull(),
  detail: jsonb(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  /** The webhook's answer: delivered (2xx), its error, or null when no webhook is configured. */
  deliveredAt: timestamp({ withTimezone: true }),
  deliveryError: text(),
});

export interface TimelineEntry {
  at: string;
  step: string;
  detail?: unknown;
}

/**
 * An incident and its timeline. kind connect-rate: a campaign's connect rate fell (CPS lowered,
 * watched, maybe rolled back). kind interface: the carrier API or CRM sync failed (cadences held
 * by the gate until it heals or an operator resumes).
 */
export const incidents = pgTable(
  'incidents',
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: text().notNull(),
    /** The campaign (connect-rate) or the interface (carrier | crm). */
    subject: text().notNull(),
    /** open | recovered | rolled-back | resolved (by an operator) | aborted (automation stopped; a hold stays until resumed) */
    status: text().notNull(),
    workflowId: text().notNull(),
    timeline: jsonb().$type<TimelineEntry[]>().notNull().default([]),
    openedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('incidents_open_idx').on(t.kind, t.status)],
);

/** Failures of the interfaces Redial depends on (CRM sync into the events API), for escalation. */
export const interfaceErrors = pgTable(
  'interface_errors',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    /** crm | carrier */
    interface: text().notNull(),
    error: text().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('interface_errors_at_idx').on(t.interface, t.at)],
);

/**
 * Opt-out safe mode, the unsubscribe-failure playbook (services/opt-out-safety.ts): while one is in
 * force (endedAt null) every answered call offers only the announcement and "press 0 to opt out".
 * Entered when the daily opt-out self-check fails; ended when it passes again or by an operator
 * with a reason. Ended ones stay as the record of when, why and who.
 */
export const optOutSafeModes = pgTable(
  'opt_out_safe_modes',
  {
    id: uuid().primaryKey().defaultRandom(),
    reason: text().notNull(),
    detail: jsonb(),
    enteredBy: text().notNull(),
    enteredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    endedBy: text(),
    endedAt: timestamp({ withTimezone: true }),
    /** Why it ended: the self-check passed, or the operator's reason. */
    endReason: text(),
  },
  // one in force at a time: two failing checks at once enter it once
  (t) => [uniqueIndex('opt_out_safe_modes_in_force_uq').on(sql`(true)`).where(sql`${t.endedAt} is null`)],
);
