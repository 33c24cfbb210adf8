/**
 * The compliance gate: one PostgreSQL transaction reserves an attempt or refuses it with its
 * reason (DNC, pause, hold, lockdown, max attempts, an SMS carrying a dead link, quiet hours, blocked windows, daily cap by the real
 * clock — one budget for calls and SMS together, the strategy's cap lowered to the per-person
 * ceiling, and an SMS's own lower cap). Idempotent by (workflow id,
 * execution chain, sequence): a retried reservation returns the same row, a restarted cadence gets new ones.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { attemptByKey, contactsOnDay } from '../db/queries/attempts';
import { activeStrategy } from '../db/queries/campaigns';
import { deadLinks } from '../db/queries/links';
import { lockdownInForce } from '../db/queries/lockdown';
import { eventOccurredAt } from '../db/queries/inbox';
import { activeHold } from '../db/queries/operations';
import { attempts, complianceLog, contacts, optOuts } from '../db/schema';
import { eventIdOfFollowUp } from '../domain/cadence-state';
import { ruleRefusal } from '../domain/gate-rules';
import { urlsInText } from '../domain/links';
import { localDate } from '../domain/local-time';
import { campaignLabel, eventToFirstDial, refusals } from '../services/metrics';
import type { GateActivities, ReserveRequest, ReserveResult } from '../workflows/contracts';

export interface GateDeps {
  db: Db;
  /** The real clock in production; tests on the time-skipping server pass the server's clock. */
  clock: () => Promise<number> | number;
  /** Calls per person per local day across every campaign (REDIAL_MAX_CALLS_PER_PERSON_PER_DAY): no strategy raises it. */
  maxCallsPerPersonPerDay: number;
}

/** How soon a cadence held by an interface incident or a lockdown asks again. */
const HOLD_RECHECK_MS = 60_000;

/** How soon an SMS held for a dead link asks again (the daily check or a new strategy version may have fixed it). */
const DEAD_LINK_RECHECK_MS = 60 * 60_000;

/** Minutes a paused campaign waits before the gate is asked again (resume also wakes it). */
const PAUSED_RECHECK_MS = 5 * 60_000;

export function createGateActivities(deps: GateDeps): GateActivities {
  const { db } = deps;
  const ceiling = deps.maxCallsPerPersonPerDay;

  async function reserveAttempt(req: ReserveRequest): Promise<ReserveResult> {
    const key = req.chain ? `${req.workflowId}#${req.chain}#${req.seq}` : `${req.workflowId}#${req.seq}`;
    // what to count once the transaction committed (a rolled-back try counts nothing)
    let counted: { refused?: string; firstCall?: boolean } = {};
    const result = await db.transaction(async (tx): Promise<ReserveResult> => {
      counted = {};
      // one reservation at a time per person: the daily cap holds across campaigns and workers
      const [contact] = await tx.select().from(contacts).where(eq(contacts.id, req.contactId)).for('update');
      const active = await activeStrategy(tx, req.campaignId);
      if (!contact || !active) throw ApplicationFailure.nonRetryable(`unknown contact ${req.contactId} or campaign ${req.campaignId}`, 'NotFound');
      const now = await deps.clock();
      const { strategy, version } = active;
      const existing = await attemptByKey(tx, key);
      if (existing) return { granted: true, attemptId: existing.id, at: existing.reservedAt.getTime(), strategy, strategyVersion: version, ceiling };

      const localDay = localDate(now, contact.timeZone);
      const used = await contactsOnDay(tx, contact.id, localDay);
      const callsToday = used.calls;
      // a refusal and a reservation name the same attempt: the key, who, which follow-up, which channel
      const identity = { idempotencyKey: key, contactId: contact.id, campaignId: req.campaignId, workflowId: req.workflowId, channel: req.channel, strategyVersion: version };
      const refuse = async (reason: string, retryAt: number | null, detail: Record<string, unknown> = {}): Promise<ReserveResult> => {
        const logged = await tx
          .insert(complianceLog)
          .values({ ...identity, reason, detail: { ...detail, at: new Date(now).toISOString(), localDay } })
          .onConflictDoNothing()
          .returning({ id: complianceLog.id });
        if (logged.length) counted.refused = reason;
        return { granted: false, at: now, reason, retryAt, callsToday, smsToday: used.sms, strategy, strategyVersion: version, ceiling };
      };

      const [dnc] = await tx
        .select()
        .from(optOuts)
        .where(and(eq(optOuts.tenant, contact.tenant), eq(optOuts.phone, contact.phone)));
      if (dnc || contact.status === 'opted_out') return refuse('opted-out', null, { source: dnc?.source });
      if (contact.status === 'invalid') return refuse('opted-out', null, { invalidNumber: true });
      if (contact.deletedAt) return refuse('contact-deleted', null);
      if (active.status === 'cancelled') return refuse('campaign-cancelled', null);
      // an interface incident (carrier API or CRM sync down) holds everyone: they wait, nothing is lost
      const hold = await activeHold(tx);
      if (hold) return refuse('interface-hold', now + HOLD_RECHECK_MS, { incidentId: hold.id, interface: hold.subject });
      // a lockdown that pauses dialling holds everyone the same way, until an admin releases it
      const lockdown = await lockdownInForce(tx);
      if (lockdown?.pauseDialling) return refuse('lockdown', now + HOLD_RECHECK_MS, { lockdownId: lockdown.id });
      if (active.status === 'paused') return refuse('campaign-paused', now + PAUSED_RECHECK_MS);
      // an SMS must not send people to a link the link check found dead (services/link-check.ts);
      // asked first, as it concerns only texts the strategy has (the rules below refuse others for other reasons)
      if (req.channel === 'sms' && strategy.sms && strategy.onDeadLink === 'hold-sms') {
        const dead = await deadLinks(tx, urlsInText(strategy.sms.text));
        if (dead.length) return refuse('dead-link', now + DEAD_LINK_RECHECK_MS, { urls: dead.map((d) => d.url) });
      }
      // max attempts, SMS allowed, the daily budget and the windows by the real clock (shared with the dry run)
      const r = ruleRefusal({ now, timeZone: contact.timeZone, localDay, strategy, channel: req.channel, scripted: req.scripted === true, attemptsSoFar: req.attemptsSoFar, used, ceiling });
      if (r) return refuse(r.reason, r.retryAt, r.detail);

      const [row] = await tx
        .insert(attempts)
        .values({
          ...identity,
          localDay,
          reservedAt: new Date(now),
        })
        .returning({ id: attempts.id });
      counted.firstCall = req.channel === 'call' && req.attemptsSoFar === 0;
      return { granted: true, attemptId: row!.id, at: now, strategy, strategyVersion: version, ceiling };
    });
    if (counted.refused) refusals.inc({ reason: counted.refused, channel: req.channel });
    if (counted.firstCall) await observeFirstCall(req, result.at).catch(() => undefined);
    return result;
  }

  /** Event → first call: from the event that started the follow-up (its occurredAt) to this reservation. */
  async function observeFirstCall(req: ReserveRequest, at: number) {
    const eventId = eventIdOfFollowUp(req.followUpId, req.campaignId);
    const occurredAt = eventId ? await eventOccurredAt(db, req.tenant, eventId) : null;
    if (occurredAt) eventToFirstDial.observe({ campaign: campaignLabel(req.campaignId) }, Math.max(0, at - occurredAt.getTime()) / 1000);
  }

  return { reserveAttempt };
}
