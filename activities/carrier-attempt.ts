/**
 * What the carrier activities share: the attempt with its contact and active strategy, the line
 * it goes out on, marking a carrier failure, and finding the call a reservation already has.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { attemptWithStrategy } from '../db/queries/attempts';
import { lineById } from '../db/queries/lines';
import { attempts, complianceLog, contacts, optOuts } from '../db/schema';
import type { FailoverPolicy } from '../domain/failover';
import { windowRefusal } from '../domain/gate-rules';
import { lineTierFor } from '../domain/line-service';
import type { Strategy } from '../domain/strategy';
import { CarrierFailure } from '../workflows/constants';
import { twilioErrorCode, type TwilioClient } from './carrier';
import type { LineServiceDeps } from '../services/line-service';
import { refusals } from '../services/metrics';
import { selectLine } from './line-selection';

export async function loadForCarrier(db: Db, attemptId: string) {
  const row = await attemptWithStrategy(db, attemptId);
  if (!row) throw ApplicationFailure.nonRetryable(`attempt ${attemptId} or its campaign not found`, 'NotFound');
  return row;
}

export async function chooseLine(deps: LineServiceDeps, failover: FailoverPolicy, log: (m: string) => void, a: { lineId: string | null }, tags: string[], strategy: Strategy) {
  const { db } = deps;
  // a retried attempt stays on the line it started on: reconciliation looks for its call there
  if (a.lineId) {
    const l = await lineById(db, a.lineId);
    if (l) return l;
  }
  const line = await selectLine(deps, lineTierFor(strategy, tags), failover, log);
  if (!line) throw ApplicationFailure.retryable('no carrier line configured', 'NoLine');
  return line;
}

export async function markCarrierFailure(db: Db, attemptId: string, err: unknown) {
  await db
    .update(attempts)
    .set({ status: 'carrier-failed', outcome: 'carrier-failure', sipResponseCode: twilioErrorCode(err) ?? null })
    .where(and(eq(attempts.id, attemptId), eq(attempts.status, 'dialing')));
}

/**
 * Whether a failed carrier request may still have been carried out: a 5xx answer, a timeout or a
 * lost connection. Only a 4xx answer is a definite "no" (the request was refused, nothing exists).
 */
export function mayHaveHappened(err: unknown): boolean {
  const status = (err as { status?: unknown })?.status;
  return !(typeof status === 'number' && status >= 400 && status < 500);
}

/** One granted reservation, as the carrier can see it: to whom, from which number, since when. */
export interface Reservation {
  attemptId: string;
  to: string;
  from: string;
  reservedAt: Date;
}

/**
 * Lookups retry a failing carrier API this long before giving up (and never dial blind meanwhile).
 * Short: the activity's own retries ask again, and a cadence whose carrier is down should reach
 * the gate (and its interface hold) soon rather than wait here.
 */
export const LOOKUP_PATIENCE_MS = 2_000;
/** Clocks of the carrier and ours may disagree a little. */
const CLOCK_SKEW_MS = 5_000;

/**
 * The carrier call already placed for this reservation, if any: the SID an early status callback
 * wrote onto the attempt (its URL names the attempt), else the carrier's own list of calls to
 * this number from this line since the reservation, less any call another attempt owns. The
 * carrier lists by to/from/start time only (Twilio returns no callback URL), and one cadence holds
 * one reservation per person at a time, so what is left is this reservation's call. A carrier API
 * that fails is asked again with backoff for `patienceMs`; then this throws, so the caller never
 * dials without knowing.
 */
export async function findReservationCall(db: Db, client: TwilioClient, r: Reservation, patienceMs = LOOKUP_PATIENCE_MS): Promise<string | null> {
  const until = Date.now() + patienceMs;
  let wait = 500;
  for (;;) {
    const [row] = await db.select({ sid: attempts.providerSid }).from(attempts).where(eq(attempts.id, r.attemptId));
    if (row?.sid) return row.sid;
    try {
      const since = new Date(r.reservedAt.getTime() - CLOCK_SKEW_MS);
      // a call Twilio has not dialled yet has no start time: queued calls are asked for apart
      const [dialled, queued] = await Promise.all([
        client.calls.list({ to: r.to, from: r.from, startTimeAfter: since, limit: 50 }),
        client.calls.list({ to: r.to, from: r.from, status: 'queued', limit: 50 }),
      ]);
      const mine = [...dialled, ...queued].filter((c) => c.to === r.to && c.from === r.from && c.dateCreated.getTime() >= since.getTime());
      if (mine.length === 0) return null;
      const owned = await db
        .select({ sid: attempts.providerSid })
        .from(attempts)
        .where(and(inArray(attempts.providerSid, mine.map((c) => c.sid)), ne(attempts.id, r.attemptId)));
      const taken = new Set(owned.map((o) => o.sid));
      const free = mine.filter((c) => !taken.has(c.sid)).sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime());
      return free[0]?.sid ?? null;
    } catch (err) {
      if (!mayHaveHappened(err) || Date.now() + wait > until) throw err;
      await new Promise((res) => setTimeout(res, wait));
      wait = Math.min(wait * 2, 8_000);
    }
  }
}

/**
 * Binds a carrier call to its attempt in one statement: the SID, when it was placed, and — unless a
 * callback already moved it on — the status 'queued'. A carrier failure recorded by an earlier try
 * that lost the answer is undone: the call exists.
 */
export async function adoptCall(db: Db, attemptId: string, sid: string) {
  await db
    .update(attempts)
    .set({
      providerSid: sid,
      placedAt: sql`coalesce(${attempts.placedAt}, now())`,
      status: sql`case when ${attempts.status} in ('reserved', 'dialing', 'carrier-failed') then 'queued' else ${attempts.status} end`,
      outcome: sql`case when ${attempts.status} = 'carrier-failed' then null else ${attempts.outcome} end`,
      sipResponseCode: sql`case when ${attempts.status} = 'carrier-failed' then null else ${attempts.sipResponseCode} end`,
    })
    .where(eq(attempts.id, attemptId));
}

/**
 * The number is on the DNC list or the contact opted out since the gate granted the reservation
 * (the wait for a pacing slot can be long): the last look before the carrier.
 */
export async function optedOutSince(db: Db, contact: { id: string; tenant: string; phone: string }): Promise<boolean> {
  const [dnc] = await db
    .select({ phone: optOuts.phone })
    .from(optOuts)
    .where(and(eq(optOuts.tenant, contact.tenant), eq(optOuts.phone, contact.phone)));
  if (dnc) return true;
  const [c] = await db.select({ status: contacts.status }).from(contacts).where(eq(contacts.id, contact.id));
  return c?.status === 'opted_out';
}

type LastLookContact = { id: string; tenant: string; phone: string; timeZone: string };
type LastLookAttempt = { id: string; idempotencyKey: string; contactId: string; campaignId: string; workflowId: string; channel: string; strategyVersion: number };

/**
 * The last look before the carrier is asked, for a call and a text alike: the contact has not
 * opted out since the grant, and the calling window is still open in the contact's zone. The gate
 * granted for the moment of its transaction; the send can come much later (a pacing queue, a
 * worker killed and its activity retried, Temporal or PostgreSQL down for a while).
 */
export async function lastLook(db: Db, contact: LastLookContact, strategy: Strategy, now = Date.now()): Promise<{ optedOut: true } | { optedOut: false; rule: string; until: number } | null> {
  if (await optedOutSince(db, contact)) return { optedOut: true };
  const r = windowRefusal(now, contact.timeZone, strategy);
  return r ? { optedOut: false, ...r } : null;
}

/** The contact opted out since the grant: nothing goes to the carrier, and the cadence ends as opted out. */
export async function refuseOptedOut(db: Db, attemptId: string, what: 'call' | 'text'): Promise<never> {
  await db.update(attempts).set({ status: 'canceled', outcome: 'opted-out', endedAt: new Date() }).where(and(eq(attempts.id, attemptId), inArray(attempts.status, ['reserved', 'dialing'])));
  throw ApplicationFailure.nonRetryable(`the contact opted out before the ${what} was ${what === 'call' ? 'placed' : 'sent'}`, CarrierFailure.unsubscribed);
}

/**
 * The window closed between the grant and the send: nothing goes to the carrier. The attempt is
 * `not-placed` (it costs the person no place in the day's budget), the refusal is in the
 * compliance log under the attempt's key with the rule that applied, and the cadence gets a
 * non-retryable WindowClosed: it gives the attempt back and asks the gate again once allowed.
 */
export async function refuseClosedWindow(db: Db, attempt: LastLookAttempt, refusal: { rule: string; until: number }, now = Date.now()): Promise<never> {
  await db.transaction(async (tx) => {
    await tx
      .update(attempts)
      .set({ status: 'not-placed', outcome: 'window-closed', endedAt: new Date(now) })
      .where(and(eq(attempts.id, attempt.id), inArray(attempts.status, ['reserved', 'dialing'])));
    await tx
      .insert(complianceLog)
      .values({
        idempotencyKey: attempt.idempotencyKey,
        contactId: attempt.contactId,
        campaignId: attempt.campaignId,
        workflowId: attempt.workflowId,
        channel: attempt.channel,
        strategyVersion: attempt.strategyVersion,
        reason: refusal.rule,
        detail: { at: new Date(now).toISOString(), lastLook: true, attemptId: attempt.id, until: new Date(refusal.until).toISOString() },
      })
      .onConflictDoNothing();
  });
  refusals.inc({ reason: refusal.rule, channel: attempt.channel });
  throw ApplicationFailure.nonRetryable(`not sent: ${refusal.rule} began after the reservation was granted (allowed again from ${new Date(refusal.until).toISOString()})`, CarrierFailure.windowClosed);
}
