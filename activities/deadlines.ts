/**
 * First-contact deadlines the cadence could not keep: each recorded once (the answer to "why was
 * this lead not called within 10 minutes?"), and ops alerted when a campaign misses too many in
 * a window (quiet hours alone do not page anyone: only a count past the threshold does).
 */
import { claimDeadlineAlertTurn, deadlineAlertSince, insertDeadlineMisses, missesSince } from '../db/queries/deadlines';
import type { Db } from '../db/client';
import type { AlertInput, DeadlineActivities } from '../workflows/contracts';

export interface DeadlineAlertPolicy {
  /** Misses of one campaign within `windowMs` that raise an alert (REDIAL_DEADLINE_ALERT_MISSES). */
  misses: number;
  windowMs: number;
}

export const defaultDeadlineAlert: DeadlineAlertPolicy = { misses: 10, windowMs: 60 * 60_000 };

export function createDeadlineActivities(deps: { db: Db; raiseAlert: (a: AlertInput) => Promise<number>; alert?: DeadlineAlertPolicy }): DeadlineActivities {
  const policy = deps.alert ?? defaultDeadlineAlert;
  return {
    async recordDeadlineMisses({ tenant, workflowId, contactId, misses }) {
      const campaigns = await insertDeadlineMisses(
        deps.db,
        misses.map((m) => ({
          tenant,
          followUpId: m.followUpId,
          workflowId,
          contactId,
          campaignId: m.campaignId,
          trigger: m.trigger,
          deadlineAt: new Date(m.deadlineAt),
          reason: m.reason,
          action: m.action,
          expectedAt: m.expectedAt === null ? null : new Date(m.expectedAt),
        })),
      );
      for (const campaignId of campaigns) {
        await deps.db.transaction(async (tx) => {
          if (!(await claimDeadlineAlertTurn(tx, campaignId))) return;
          const since = new Date(Date.now() - policy.windowMs);
          const n = await missesSince(tx, campaignId, since);
          if (n < policy.misses || (await deadlineAlertSince(tx, campaignId, since))) return;
          // stored (and committed) by raiseAlert before this turn ends: the next judge sees it
          await deps.raiseAlert({
            kind: 'deadline-misses',
            severity: 'warning',
            message: `Campaign "${campaignId}" missed ${n} first-contact deadlines in the last ${Math.round(policy.windowMs / 60_000)} min (threshold ${policy.misses}); see GET /v1/reports/summary and GET /v1/handoffs.`,
            detail: { campaignId, misses: n, windowMinutes: Math.round(policy.windowMs / 60_000), threshold: policy.misses },
          });
        });
      }
    },
  };
}
