/**
 * Calls through the carrier for a granted reservation: placed once per reservation (a retry, or a
 * create whose answer was lost, finds the call already created instead of dialling twice), paced
 * by the line's and the campaign's CPS, hung up when the cadence no longer wants it, reconciled
 * when its outcome never arrived.
 */
import { ApplicationFailure, CompleteAsyncError, Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { slotIntervalMs, takeCampaignSlot, takeSlot } from '../db/queries/lines';
import { attempts, contacts } from '../db/schema';
import type { FailoverPolicy } from '../domain/failover';
import { TERMINAL } from '../domain/outcomes';
import { maskPhone, redactPhones } from '../domain/phone';
import type { Strategy } from '../domain/strategy';
import type { Outcome } from '../domain/cadence-state';
import type { RaiseAlert } from '../services/alerts';
import { applyCallReport } from '../services/carrier-reports';
import type { Keyring } from '../services/keyring';
import { callsPlaced, campaignLabel, dials, pacingWait } from '../services/metrics';
import { CarrierFailure } from '../workflows/constants';
import type { DialingActivities, PlaceResult } from '../workflows/contracts';
import { adoptCall, chooseLine, findReservationCall, lastLook, loadForCarrier, markCarrierFailure, mayHaveHappened, refuseClosedWindow, refuseOptedOut } from './carrier-attempt';
import { TwilioCode, twilioErrorCode, type Carrier } from './carrier';


/** Tries a call gets to be placed (the carrier's API failing) before the attempt is a carrier failure. */
const PLACE_TRIES = 3;

export interface CarrierDeps {
  db: Db;
  carrier: Carrier;
  /** Where the carrier reaches our webhooks (the API's public base URL). */
  publicUrl: string;
  failover: FailoverPolicy;
  /** Tells ops when failover leaves a tier without a line, and what the opt-out playbook did. */
  raiseAlert: RaiseAlert;
  /** Pauses the cadences of a number the carrier says is unsubscribed (services/opt-out-safety.ts); absent in tests that run none. */
  temporal?: Client;
  keyring: Keyring;
}

export function createDialingActivities(deps: CarrierDeps): DialingActivities {
  const { db, carrier } = deps;
  const hooks = (path: string) => `${deps.publicUrl.replace(/\/$/, '')}/twilio/${path}`;
  const lineFor = (a: { lineId: string | null }, tags: string[], strategy: Strategy) => chooseLine(deps, deps.failover, (m) => log.warn(m), a, tags, strategy);

  /**
   * The line's CPS holds across every worker: wait for this call's send slot, then send at once.
   * A worker that wakes late (a blocked event loop) takes a new slot rather than send in a burst
   * with the calls that were due after it; so does a call whose slot was taken before the line's
   * CPS was lowered (a change shows at once, however many calls already wait). `atSlot` is the
   * last look before sending (false: do not send).
   */
  async function waitForSlot(lineId: string, atSlot: () => Promise<boolean>): Promise<boolean> {
    for (let tries = 0; tries < 5; tries++) {
      const { waitMs, intervalMs } = await takeSlot(db, lineId);
      const due = Date.now() + waitMs;
      if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
      // the line's CPS was lowered while this call waited: its slot was spaced for the old rate
      if (waitMs > intervalMs && (await slotIntervalMs(db, lineId)) > intervalMs * 1.001) continue;
      // the last look (opt-out) belongs to the slot: a slow one costs the slot, not the pacing
      if (!(await atSlot())) return false;
      if (Date.now() - due <= intervalMs / 2) return true;
    }
    return atSlot();
  }

  /** A campaign with its own CPS cap (an incident lowered it) paces its calls across lines too. */
  async function waitForCampaignSlot(campaignId: string, cps: number | null) {
    if (cps === null) return; // the usual case: no campaign cap, no extra round trip
    const waitMs = await takeCampaignSlot(db, campaignId);
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }

  /**
   * Exactly one carrier call per reservation, whatever dies when. The SID is recorded in the step
   * that learns it; a try that finds the attempt already past 'reserved' (an earlier try got as far
   * as dialling and may have created the call) looks the call up before anything else; and a
   * create that failed in a way that may still have placed the call (5xx, timeout, lost
   * connection) is looked up at once. A lookup that cannot reach the carrier throws: never dial blind.
   */
  async function placeCall({ attemptId }: { attemptId: string }): Promise<PlaceResult> {
    const { attempt, contact, strategy, campaignCps } = await loadForCarrier(db, attemptId);
    if (attempt.channel !== 'call') throw ApplicationFailure.nonRetryable('not a call attempt', 'BadAttempt');
    // learnt by an earlier try, or written by an early status callback (its URL names the attempt)
    if (attempt.providerSid) {
      if (attempt.status === 'carrier-failed') await adoptCall(db, attemptId, attempt.providerSid);
      return { providerSid: attempt.providerSid, lineId: attempt.lineId! };
    }
    const line = await lineFor(attempt, contact.tags, strategy);
    const client = carrier.client(line);
    const reservation = { attemptId, to: contact.phone, from: line.fromNumber, reservedAt: attempt.reservedAt };
    const adopted = async (sid: string) => {
      await adoptCall(db, attemptId, sid);
      return { providerSid: sid, lineId: line.id };
    };
    if (attempt.status !== 'reserved') {
      const sid = await findReservationCall(db, client, reservation);
      if (sid) return adopted(sid);
    }
    await db.update(attempts).set({ status: 'dialing', lineId: line.id, recordingRequested: strategy.recording.enabled }).where(eq(attempts.id, attemptId));
    const waitStarted = performance.now();
    await waitForCampaignSlot(attempt.campaignId, campaignCps);
    let look: Awaited<ReturnType<typeof lastLook>> = null;
    const stillWanted = await waitForSlot(line.id, async () => (look = await lastLook(db, contact, strategy)) === null);
    pacingWait.observe({ line: line.id }, (performance.now() - waitStarted) / 1000);
    const labels = { line: line.id, campaign: campaignLabel(attempt.campaignId) };
    if (!stillWanted) {
      const refused = look as Awaited<ReturnType<typeof lastLook>>;
      if (refused && !refused.optedOut) return refuseClosedWindow(db, attempt, refused);
      return refuseOptedOut(db, attemptId, 'call');
    }
    let sid: string;
    try {
      const call = await client.calls.create({
        to: contact.phone,
        from: line.fromNumber,
        url: hooks(`voice/${attemptId}`),
        statusCallback: hooks(`status/${attemptId}`),
        // the answer (a call in progress is hung up, not canceled) and the end: initiated and ringing
        // callbacks would only cost the API a signed request and a transaction each (issue 18)
        statusCallbackEvent: ['answered', 'completed'],
        statusCallbackMethod: 'POST',
        // a voicemail is left after the greeting's beep: Twilio then answers once the greeting ended
        machineDetection: strategy.answeringMachine === 'voicemail' ? 'DetectMessageEnd' : 'Enable',
        timeout: strategy.ringTimeoutSeconds,
        record: strategy.recording.enabled,
        // the recording is fetched into the recordings store once the carrier says it is ready
        ...(strategy.recording.enabled ? { recordingStatusCallback: hooks(`recording/${attemptId}`), recordingStatusCallbackMethod: 'POST', recordingStatusCallbackEvent: ['completed'] } : {}),
      });
      sid = call.sid;
    } catch (err) {
      const code = twilioErrorCode(err);
      if (code === TwilioCode.invalidTo) {
        await db.update(attempts).set({ status: 'failed', outcome: 'invalid', endedAt: new Date() }).where(eq(attempts.id, attemptId));
        await db.update(contacts).set({ status: 'invalid', updatedAt: new Date() }).where(eq(contacts.id, contact.id));
        dials.inc({ ...labels, outcome: 'invalid' });
        throw ApplicationFailure.nonRetryable(`carrier says ${maskPhone(contact.phone)} is not a valid number`, CarrierFailure.invalidNumber);
      }
      log.warn('call create failed', { attemptId, line: line.id, code, error: redactPhones((err as Error).message) });
      // the carrier's API failed: the watchdog counts it at once (domain/incident.ts)
      await markCarrierFailure(db, attemptId, err);
      dials.inc({ ...labels, outcome: 'carrier-failure' });
      if (mayHaveHappened(err)) {
        // it may still have placed the call and lost the answer: find it (adopting undoes the
        // failure). If the carrier cannot be asked, the next try looks again before dialling,
        // because the attempt is no longer 'reserved'.
        const found = await findReservationCall(db, client, reservation).catch(() => null);
        if (found) return adopted(found);
      }
      throw err;
    }
    // one statement: the SID, when it was placed, and 'queued' unless a fast callback moved it on
    await adoptCall(db, attemptId, sid);
    callsPlaced.inc(labels);
    return { providerSid: sid, lineId: line.id };
  }

  /**
   * placeCall, then the call's outcome: the final status callback completes this activity by its
   * id (services/cadences.ts reportOutcome), so it ends waiting, not returning. A try that finds
   * the outcome already written (a fast callback, or a retry after a long call outlived the
   * heartbeat timeout) returns it. Placement failures keep placeCall's budget of three tries.
   */
  async function dial({ attemptId }: { attemptId: string }): Promise<{ outcome: Outcome; callbackAt?: number }> {
    try {
      await placeCall({ attemptId });
    } catch (err) {
      const { attempt } = Context.current().info;
      if (attempt < PLACE_TRIES || (err instanceof ApplicationFailure && err.nonRetryable)) throw err;
      throw ApplicationFailure.create({ message: `call not placed after ${attempt} tries: ${redactPhones((err as Error).message)}`, type: 'CallNotPlaced', nonRetryable: true });
    }
    const [row] = await db.select({ status: attempts.status, outcome: attempts.outcome, callbackAt: attempts.callbackAt }).from(attempts).where(eq(attempts.id, attemptId));
    if (row?.outcome && TERMINAL.has(row.status)) return { outcome: row.outcome as Outcome, ...(row.outcome === 'callback' && row.callbackAt ? { callbackAt: row.callbackAt.getTime() } : {}) };
    throw new CompleteAsyncError();
  }

  async function cancelCall({ attemptId }: { attemptId: string }) {
    const { attempt, contact, strategy } = await loadForCarrier(db, attemptId);
    if (!attempt.providerSid || TERMINAL.has(attempt.status)) return;
    const line = await lineFor(attempt, contact.tags, strategy);
    // before an answer a call is canceled; once answered it is completed (hung up)
    const status = attempt.status === 'in-progress' ? 'completed' : 'canceled';
    try {
      await carrier.client(line).calls(attempt.providerSid).update({ status });
    } catch (err) {
      if (twilioErrorCode(err) !== 20404) throw err;
    }
  }

  async function reconcileAttempt({ attemptId }: { attemptId: string }) {
    const { attempt, contact, strategy } = await loadForCarrier(db, attemptId);
    const asked = (at: Date | null | undefined) => (at ? { callbackAt: at.getTime() } : {});
    if (attempt.outcome && (TERMINAL.has(attempt.status) || attempt.status === 'carrier-failed')) return { outcome: attempt.outcome as never, ...asked(attempt.callbackAt) };
    if (!attempt.providerSid) return { outcome: 'carrier-failure' as const };
    const line = await lineFor(attempt, contact.tags, strategy);
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
    const [row] = await db.select({ outcome: attempts.outcome, callbackAt: attempts.callbackAt }).from(attempts).where(eq(attempts.id, attemptId));
    return { outcome: (res?.outcome ?? row?.outcome ?? null) as never, ...asked(row?.callbackAt) };
  }

  return { placeCall, dial, cancelCall, reconcileAttempt };
}
