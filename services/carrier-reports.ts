/**
 * Carrier call status → attempt row and cadence outcome. One place for both paths that learn a
 * call's fate: signed status callbacks (api/routes/twilio.ts) and reconciliation by fetch. Also
 * an SMS's delivery status, from its signed status callbacks.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db, Tx } from '../db/client';
import { attemptWithContact, storeCallEvent } from '../db/queries/attempts';
import { applyMessageStatus, storeMessageEvent } from '../db/queries/sms';
import { attempts, contacts } from '../db/schema';
import type { Outcome } from '../domain/cadence-state';
import { CALL_PROGRESS, MESSAGE_TERMINAL, outcomeOf, TERMINAL } from '../domain/outcomes';
import { reportOutcome, signalOptOut } from './cadences';
import { listOptOut } from './contacts';
import { queueCrmDelivery } from './crm-deliveries';
import { campaignLabel, dials, sms } from './metrics';

export interface CallReport {
  sid: string;
  status: string;
  sequence: number;
  answeredBy?: string | null;
  durationSec?: number | null;
  sipResponseCode?: number | null;
  price?: string | null;
}

/**
 * Applies a status report idempotently: out-of-order and replayed reports end in the same row.
 * A terminal status always wins; a non-terminal one only moves the status forward.
 * Returns the terminal outcome when this report made the attempt terminal, else null.
 */
export async function applyCallReport(db: Tx, r: CallReport, attemptId?: string): Promise<{ attemptId: string; workflowId: string; outcome: Outcome; callbackAt?: number } | null> {
  const done = await db.transaction(async (tx) => {
    // by attempt id when the callback URL carries it: a callback may beat the create response to us
    const [a] = await tx
      .select()
      .from(attempts)
      .where(attemptId ? eq(attempts.id, attemptId) : eq(attempts.providerSid, r.sid))
      .for('update');
    if (!a || (a.providerSid && a.providerSid !== r.sid)) return null;
    // A create recorded as a carrier failure (a 5xx, a timeout, a lost answer) that the carrier
    // placed after all: its callback proves the call, so the report applies as to any call. (It was
    // dropped as if terminal; the outcome then waited for the 15-minute reconciliation. Soak, 2026-12-03.)
    const lostCreate = a.status === 'carrier-failed' && !a.providerSid;
    const was = lostCreate ? { status: 'queued', outcome: null, sipResponseCode: null } : a;
    const wasTerminal = TERMINAL.has(was.status) || was.status === 'carrier-failed';
    const details = {
      answeredBy: r.answeredBy ?? a.answeredBy,
      durationSec: r.durationSec ?? a.durationSec,
      sipResponseCode: r.sipResponseCode ?? was.sipResponseCode,
      price: r.price ?? a.price,
      lastSequence: Math.max(a.lastSequence, r.sequence),
      providerSid: r.sid,
      ...(lostCreate ? { placedAt: sql`coalesce(${attempts.placedAt}, now())` } : {}),
    };
    if (TERMINAL.has(r.status)) {
      if (wasTerminal) {
        await tx.update(attempts).set(details).where(eq(attempts.id, a.id));
        return null;
      }
      const outcome = outcomeOf(r.status, details.answeredBy, details.sipResponseCode, was.outcome);
      await tx
        .update(attempts)
        .set({ ...details, status: r.status, outcome, endedAt: sql`now()` })
        .where(eq(attempts.id, a.id));
      // a business outcome goes to the campaign's CRM: queued with the outcome, or not at all
      await queueCrmDelivery(tx, {
        outcomeId: `attempt:${a.id}`,
        outcome,
        campaignId: a.campaignId,
        contactId: a.contactId,
        channel: 'call',
        attemptId: a.id,
        strategyVersion: a.strategyVersion,
        talkSeconds: details.durationSec,
        at: new Date(),
      });
      // the number does not exist, or is not the person's: no cadence may dial it again
      if (outcome === 'invalid' || outcome === 'wrong-number') await tx.update(contacts).set({ status: 'invalid', updatedAt: sql`now()` }).where(eq(contacts.id, a.contactId));
      return { attemptId: a.id, workflowId: a.workflowId, outcome, lineId: a.lineId, campaignId: a.campaignId, ...callbackOf(a) };
    }
    const forward = !wasTerminal && CALL_PROGRESS.indexOf(r.status) > CALL_PROGRESS.indexOf(was.status);
    await tx
      .update(attempts)
      .set({ ...details, ...(lostCreate ? { status: was.status, outcome: null } : {}), ...(forward ? { status: r.status } : {}) })
      .where(eq(attempts.id, a.id));
    return null;
  });
  if (!done) return null;
  // counted once per call, after the commit that made it terminal (whichever path reported it)
  dials.inc({ outcome: done.outcome, line: done.lineId ?? 'none', campaign: campaignLabel(done.campaignId) });
  const { lineId: _l, campaignId: _c, ...result } = done;
  return result;
}

const callbackOf = (a: { outcome: string | null; callbackAt: Date | null }) => (a.outcome === 'callback' && a.callbackAt ? { callbackAt: a.callbackAt.getTime() } : {});

/** What the call's script means for the cadence, recorded before the call ends (domain/outcomes.ts reads it then). */
export type ScriptOutcome = 'opted-out' | 'converted' | 'not-interested' | 'callback' | 'wrong-number';

/** Records what the caller said in the script (0 opts out, 1 is interest, …). An opt-out is never overwritten. */
export async function recordScriptOutcome(db: Tx, attemptId: string, outcome: ScriptOutcome) {
  await db
    .update(attempts)
    .set({ outcome })
    .where(and(eq(attempts.id, attemptId), sql`${attempts.outcome} is distinct from 'opted-out'`));
}

/**
 * A signed status callback: stored raw (idempotent per sid + status + sequence), applied to the
 * attempt, and — when it ends the call — told to the cadence (reportOutcome).
 */
export async function reportCallStatus(deps: { db: Db; temporal: Client }, input: { attemptId: string; params: Record<string, string> }): Promise<void> {
  const { db, temporal } = deps;
  const p = input.params;
  const sequence = Number(p.SequenceNumber ?? 0);
  const firstTime = await storeCallEvent(db, { sid: p.CallSid!, status: p.CallStatus!, sequence, payload: p });
  const done = await applyCallReport(
    db,
    {
      sid: p.CallSid!,
      status: p.CallStatus!,
      sequence,
      answeredBy: p.AnsweredBy ?? null,
      durationSec: p.CallDuration ? Number(p.CallDuration) : null,
      sipResponseCode: p.SipResponseCode ? Number(p.SipResponseCode) : null,
    },
    input.attemptId,
  );
  if (done) await reportOutcome(temporal, done.workflowId, { attemptId: done.attemptId, outcome: done.outcome, at: Date.now(), ...(done.callbackAt !== undefined ? { callbackAt: done.callbackAt } : {}) });
  else if (!firstTime && TERMINAL.has(p.CallStatus!)) {
    // the carrier sends a final callback again when we answered 5xx: the row was written the first
    // time but the signal may not have reached the cadence (Temporal unreachable), so tell it again
    const row = await attemptWithContact(db, input.attemptId);
    const a = row?.attempt;
    if (a?.outcome && a.providerSid === p.CallSid && TERMINAL.has(a.status)) await reportOutcome(temporal, a.workflowId, { attemptId: a.id, outcome: a.outcome as Outcome, at: Date.now(), ...callbackOf(a) });
  }
}

/**
 * The person opted out during the call, by pressing 0 or in words (services/call-script.ts): on the
 * DNC list at once (every campaign), the attempt's outcome, and the cadence told. False when there
 * is no such attempt.
 */
export async function optOutInCall(deps: { db: Db; temporal: Client }, input: { attemptId: string; source: 'dtmf' | 'speech' }): Promise<boolean> {
  const row = await attemptWithContact(deps.db, input.attemptId);
  if (!row) return false;
  await listOptOut(deps.db, row.contact.tenant, row.contact.phone, input.source);
  await recordScriptOutcome(deps.db, row.attempt.id, 'opted-out');
  await signalOptOut(deps.temporal, row.attempt.workflowId, input.source);
  return true;
}

/**
 * A signed SMS status callback (sent, delivered, undelivered, failed): stored raw once per
 * message and status, applied to the attempt (delivered → sms-delivered; undelivered or failed →
 * sms-failed with the carrier's ErrorCode). The cadence already counted the text when the carrier
 * accepted it, so nothing is signalled.
 */
export async function reportSmsStatus(deps: { db: Db }, input: { attemptId: string; params: Record<string, string> }): Promise<void> {
  const p = input.params;
  const sid = (p.MessageSid ?? p.SmsSid)!;
  const status = (p.MessageStatus ?? p.SmsStatus)!;
  const firstTime = await storeMessageEvent(deps.db, { sid, status, payload: p });
  const errorCode = p.ErrorCode && /^\d+$/.test(p.ErrorCode) ? Number(p.ErrorCode) : null;
  const ours = await applyMessageStatus(deps.db, input.attemptId, { sid, status, errorCode });
  // once per message and final status (a replayed callback is not stored again)
  if (ours && firstTime && MESSAGE_TERMINAL.has(status)) sms.inc({ outcome: status });
}
