/**
 * Redial's activities, built once per worker from real clients. Each does one side effect and is
 * safe to retry: the reservation is keyed by (workflow id, sequence), and a call is never created
 * twice for one reservation.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { activeStrategy } from '../db/queries/campaigns';
import { attemptByKey, attemptWithContact, countOnDay } from '../db/queries/attempts';
import { lineById, takeCampaignSlot, takeSlot } from '../db/queries/lines';
import { activeHold } from '../db/queries/operations';
import { attempts, complianceLog, contacts, optOuts } from '../db/schema';
import { CarrierFailure, TASK_QUEUE } from '../workflows/constants';
import { localDate } from '../domain/local-time';
import { refusalAt } from '../domain/next-attempt';
import type { Strategy } from '../domain/strategy';
import { createBulkActivities } from './bulk';
import { createMaintenanceActivities, type MaintenanceConfig } from './maintenance';
import { createOpsActivities } from './ops';
import { applyCallReport } from '../services/carrier-reports';
import { TERMINAL } from '../domain/outcomes';
import { TwilioCode, twilioErrorCode, type Carrier } from './carrier';
import { selectLine } from './line-selection';
import { defaultFailover, type FailoverPolicy } from '../domain/failover';
import type { PlaceResult, RedialActivities, ReserveRequest, ReserveResult } from '../workflows/contracts';

export interface ActivityDeps {
  db: Db;
  carrier: Carrier;
  /** The real clock in production; tests on the time-skipping server pass the server's clock. */
  clock: () => Promise<number> | number;
  /** Where the carrier reaches our webhooks (the API's public base URL). */
  publicUrl: string;
  failover?: FailoverPolicy;
  /** For the bulk activities, which talk to many cadences (absent in tests that run none). */
  temporal?: Client;
  /** The task queue cadences run on (TASK_QUEUE unless a test runs its own). */
  taskQueue?: string;
  /** Alerts are POSTed here (REDIAL_OPS_WEBHOOK_URL). */
  opsWebhookUrl?: string;
  /** What the maintenance routines need (paths, backup targets, self-check numbers); see worker/config.ts. */
  maintenance?: MaintenanceConfig;
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

/** How soon a cadence held by an interface incident asks again. */
const HOLD_RECHECK_MS = 60_000;

/** Minutes a paused campaign waits before the gate is asked again (resume also wakes it). */
const PAUSED_RECHECK_MS = 5 * 60_000;

export function createActivities(deps: ActivityDeps): RedialActivities {
  const { db, carrier } = deps;
  const hooks = (path: string) => `${deps.publicUrl.replace(/\/$/, '')}/twilio/${path}`;

  async function reserveAttempt(req: ReserveRequest): Promise<ReserveResult> {
    const key = `${req.workflowId}#${req.seq}`;
    return db.transaction(async (tx) => {
      // one reservation at a time per person: the daily cap holds across campaigns and workers
      const [contact] = await tx.select().from(contacts).where(eq(contacts.id, req.contactId)).for('update');
      const active = await activeStrategy(tx, req.campaignId);
      if (!contact || !active) throw ApplicationFailure.nonRetryable(`unknown contact ${req.contactId} or campaign ${req.campaignId}`, 'NotFound');
      const now = await deps.clock();
      const { strategy, version } = active;
      const existing = await attemptByKey(tx, key);
      if (existing) return { granted: true, attemptId: existing.id, at: existing.reservedAt.getTime(), strategy, strategyVersion: version };

      const localDay = localDate(now, contact.timeZone);
      const callsToday = await countOnDay(tx, contact.id, localDay, 'call');
      const refuse = async (reason: string, retryAt: number | null, detail: Record<string, unknown> = {}): Promise<ReserveResult> => {
        await tx
          .insert(complianceLog)
          .values({
            idempotencyKey: key,
            contactId: contact.id,
            campaignId: req.campaignId,
            workflowId: req.workflowId,
            channel: req.channel,
            reason,
            detail: { ...detail, at: new Date(now).toISOString(), localDay },
            strategyVersion: version,
          })
          .onConflictDoNothing();
        return { granted: false, at: now, reason, retryAt, callsToday, strategy, strategyVersion: version };
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
      if (active.status === 'paused') return refuse('campaign-paused', now + PAUSED_RECHECK_MS);
      if (req.channel === 'call' && req.attemptsSoFar >= strategy.maxAttempts) return refuse('max-attempts', null, { max: strategy.maxAttempts });
      if (req.channel === 'sms' && !strategy.sms) return refuse('sms-disabled', null);
      const counts = req.channel === 'call' ? { [localDay]: callsToday } : smsCounts(strategy, localDay, await countOnDay(tx, contact.id, localDay, 'sms'));
      const r = refusalAt(now, contact.timeZone, strategy, counts);
      if (r) return refuse(r.rule, r.until, { callsToday, max: strategy.maxCallsPerDay });

      const [row] = await tx
        .insert(attempts)
        .values({
          idempotencyKey: key,
          contactId: contact.id,
          campaignId: req.campaignId,
          workflowId: req.workflowId,
          channel: req.channel,
          strategyVersion: version,
          localDay,
          reservedAt: new Date(now),
        })
        .returning({ id: attempts.id });
      return { granted: true, attemptId: row!.id, at: now, strategy, strategyVersion: version };
    });
  }

  async function loadForCarrier(attemptId: string) {
    const row = await attemptWithContact(db, attemptId);
    if (!row) throw ApplicationFailure.nonRetryable(`attempt ${attemptId} not found`, 'NotFound');
    const active = await activeStrategy(db, row.attempt.campaignId);
    if (!active) throw ApplicationFailure.nonRetryable(`campaign ${row.attempt.campaignId} not found`, 'NotFound');
    return { ...row, strategy: active.strategy, campaignCps: active.cps };
  }

  async function chooseLine(a: { lineId: string | null }, tags: string[], strategy: Strategy) {
    // a retried attempt stays on the line it started on: reconciliation looks for its call there
    if (a.lineId) {
      const l = await lineById(db, a.lineId);
      if (l) return l;
    }
    const tier = tags.map((t) => strategy.lineTier[t]).find(Boolean) ?? strategy.defaultLineTier;
    const line = await selectLine(db, tier, deps.failover ?? defaultFailover, (m) => log.warn(m));
    if (!line) throw ApplicationFailure.retryable('no carrier line configured', 'NoLine');
    return line;
  }

  async function markCarrierFailure(attemptId: string, err: unknown) {
    await db
      .update(attempts)
      .set({ status: 'carrier-failed', outcome: 'carrier-failure', sipResponseCode: twilioErrorCode(err) ?? null })
      .where(and(eq(attempts.id, attemptId), eq(attempts.status, 'dialing')));
  }

  /**
   * The line's CPS holds across every worker: wait for this call's send slot, then send at once.
   * A worker that wakes late (a blocked event loop) takes a new slot rather than send in a burst
   * with the calls that were due after it.
   */
  async function waitForSlot(lineId: string) {
    for (let tries = 0; tries < 5; tries++) {
      const { waitMs, intervalMs } = await takeSlot(db, lineId);
      const due = Date.now() + waitMs;
      if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
      if (Date.now() - due <= intervalMs / 2) return;
    }
  }

  /** A campaign with its own CPS cap (an incident lowered it) paces its calls across lines too. */
  async function waitForCampaignSlot(campaignId: string, cps: number | null) {
    if (cps === null) return; // the usual case: no campaign cap, no extra round trip
    const waitMs = await takeCampaignSlot(db, campaignId);
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }

  async function placeCall({ attemptId }: { attemptId: string }): Promise<PlaceResult> {
    const { attempt, contact, strategy, campaignCps } = await loadForCarrier(attemptId);
    if (attempt.providerSid) return { providerSid: attempt.providerSid, lineId: attempt.lineId! };
    if (attempt.channel !== 'call') throw ApplicationFailure.nonRetryable('not a call attempt', 'BadAttempt');
    const line = await chooseLine(attempt, contact.tags, strategy);
    const client = carrier.client(line);
    if (attempt.status !== 'reserved') {
      // an earlier try may have created the call and lost the answer: find it rather than dial twice
      const found = await client.calls.list({ to: contact.phone, from: line.fromNumber, startTimeAfter: new Date(attempt.reservedAt.getTime() - 1000), limit: 20 });
      const mine = found.find((c) => c.dateCreated >= new Date(attempt.reservedAt.getTime() - 1000));
      if (mine) {
        await db.update(attempts).set({ providerSid: mine.sid, status: 'queued', placedAt: new Date() }).where(eq(attempts.id, attemptId));
        return { providerSid: mine.sid, lineId: line.id };
      }
    }
    await db.update(attempts).set({ status: 'dialing', lineId: line.id }).where(eq(attempts.id, attemptId));
    await waitForCampaignSlot(attempt.campaignId, campaignCps);
    await waitForSlot(line.id);
    try {
      const call = await client.calls.create({
        to: contact.phone,
        from: line.fromNumber,
        url: hooks(`voice/${attemptId}`),
        statusCallback: hooks(`status/${attemptId}`),
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        statusCallbackMethod: 'POST',
        machineDetection: 'Enable',
        timeout: strategy.ringTimeoutSeconds,
        record: strategy.record,
      });
      // a fast callback may already have moved the status on: only 'dialing' becomes 'queued'
      await db.update(attempts).set({ providerSid: call.sid, placedAt: new Date() }).where(eq(attempts.id, attemptId));
      await db.update(attempts).set({ status: 'queued' }).where(and(eq(attempts.id, attemptId), eq(attempts.status, 'dialing')));
      return { providerSid: call.sid, lineId: line.id };
    } catch (err) {
      const code = twilioErrorCode(err);
      if (code === TwilioCode.invalidTo) {
        await db.update(attempts).set({ status: 'failed', outcome: 'invalid', endedAt: new Date() }).where(eq(attempts.id, attemptId));
        await db.update(contacts).set({ status: 'invalid', updatedAt: new Date() }).where(eq(contacts.id, contact.id));
        throw ApplicationFailure.nonRetryable(`carrier says ${contact.phone} is not a valid number`, CarrierFailure.invalidNumber);
      }
      await markCarrierFailure(attemptId, err);
      log.warn('call create failed', { attemptId, line: line.id, code, error: (err as Error).message });
      throw err;
    }
  }

  async function sendSms({ attemptId }: { attemptId: string }): Promise<PlaceResult> {
    const { attempt, contact, strategy } = await loadForCarrier(attemptId);
    if (attempt.providerSid) return { providerSid: attempt.providerSid, lineId: attempt.lineId! };
    if (!strategy.sms) throw ApplicationFailure.nonRetryable('strategy has no SMS', 'BadAttempt');
    const line = await chooseLine(attempt, contact.tags, strategy);
    await db.update(attempts).set({ status: 'dialing', lineId: line.id }).where(eq(attempts.id, attemptId));
    try {
      const msg = await carrier.client(line).messages.create({ to: contact.phone, from: line.fromNumber, body: strategy.sms.text });
      await db.update(attempts).set({ providerSid: msg.sid, status: 'sent', outcome: 'sms-sent', placedAt: new Date() }).where(eq(attempts.id, attemptId));
      return { providerSid: msg.sid, lineId: line.id };
    } catch (err) {
      const code = twilioErrorCode(err);
      if (code === TwilioCode.unsubscribed || code === TwilioCode.invalidTo) {
        await db.update(attempts).set({ status: 'failed', outcome: code === TwilioCode.unsubscribed ? 'opted-out' : 'invalid', endedAt: new Date() }).where(eq(attempts.id, attemptId));
        if (code === TwilioCode.unsubscribed) await db.insert(optOuts).values({ tenant: contact.tenant, phone: contact.phone, source: 'sms' }).onConflictDoNothing();
        throw ApplicationFailure.nonRetryable(`carrier refused the SMS (${code})`, code === TwilioCode.unsubscribed ? CarrierFailure.unsubscribed : CarrierFailure.invalidNumber);
      }
      await markCarrierFailure(attemptId, err);
      throw err;
    }
  }

  async function cancelCall({ attemptId }: { attemptId: string }) {
    const { attempt, contact, strategy } = await loadForCarrier(attemptId);
    if (!attempt.providerSid || TERMINAL.has(attempt.status)) return;
    const line = await chooseLine(attempt, contact.tags, strategy);
    // before an answer a call is canceled; once answered it is completed (hung up)
    const status = attempt.status === 'in-progress' ? 'completed' : 'canceled';
    try {
      await carrier.client(line).calls(attempt.providerSid).update({ status });
    } catch (err) {
      if (twilioErrorCode(err) !== 20404) throw err;
    }
  }

  async function reconcileAttempt({ attemptId }: { attemptId: string }) {
    const { attempt, contact, strategy } = await loadForCarrier(attemptId);
    if (attempt.outcome && (TERMINAL.has(attempt.status) || attempt.status === 'carrier-failed')) return { outcome: attempt.outcome as never };
    if (!attempt.providerSid) return { outcome: 'carrier-failure' as const };
    const line = await chooseLine(attempt, contact.tags, strategy);
    const call = await carrier.client(line).calls(attempt.providerSid).fetch();
    if (!TERMINAL.has(call.status)) return { outcome: null };
    const res = await applyCallReport(db, {
      sid: call.sid,
      status: call.status,
      sequence: 1_000_000, // after any callback
      answeredBy: call.answeredBy ?? null,
      durationSec: call.duration ? Number(call.duration) : null,
      price: call.price ?? null,
    });
    const [row] = await db.select({ outcome: attempts.outcome }).from(attempts).where(eq(attempts.id, attemptId));
    return { outcome: (res?.outcome ?? row?.outcome ?? null) as never };
  }

  const taskQueue = deps.taskQueue ?? TASK_QUEUE;
  const bulk = createBulkActivities({ db, temporal: deps.temporal, taskQueue });
  const ops = createOpsActivities({ db, temporal: deps.temporal, taskQueue, carrier, opsWebhookUrl: deps.opsWebhookUrl });
  const maintenance = createMaintenanceActivities({ db, carrier, temporal: deps.temporal, taskQueue, config: deps.maintenance ?? unconfiguredMaintenance, raiseAlert: ops.raiseAlert });
  return { reserveAttempt, placeCall, sendSms, cancelCall, reconcileAttempt, ...bulk, ...ops, ...maintenance };
}

function smsCounts(strategy: Strategy, localDay: string, sent: number): Record<string, number> {
  // the SMS cap reuses the daily-cap rule: saturate the count when the SMS limit is reached
  return sent >= (strategy.sms?.maxPerDay ?? 1) ? { [localDay]: Number.MAX_SAFE_INTEGER } : {};
}
