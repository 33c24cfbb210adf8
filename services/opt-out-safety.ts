/**
 * The unsubscribe-failure playbook (issue 14.5; source 三.三.1: stop calling the affected numbers
 * at once, blacklist by hand, fix, test, resume), run by Redial itself:
 * - the carrier refuses a text as unsubscribed (21610) for a number we had not listed: our opt-out
 *   record missed one. The number goes on the DNC list with source `carrier` (the blacklist), its
 *   cadence is paused, ops are alerted (critical), and it is audited;
 * - the daily opt-out self-check fails: the opt-out path itself is broken. The self-check's
 *   numbers' cadences are paused and the opt-out path goes into SAFE MODE: every answered call
 *   offers only the announcement and "press 0 to opt out" (api/routes/twilio.ts asks
 *   `optOutSafeMode`), ops are alerted (critical), and it is audited;
 * - safe mode ends when the self-check passes again (the daily run, or one an operator triggers:
 *   POST /v1/maintenance/schedules/maintenance-daily/trigger — the "test" step), or when an
 *   operator resumes with a required reason (POST /v1/operations/opt-out-safe-mode/resume: the fix
 *   was tested by other means). Resuming does not re-run the self-check inside the request: it
 *   places a real call and waits for its callbacks (up to minutes), which an HTTP request should
 *   not hold; the trigger above is that test, and its pass ends safe mode by itself.
 * The switch is a row in PostgreSQL (every API process and worker see one), cached briefly here.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { contactByPhone } from '../db/queries/contacts';
import { carrierListedCount, endSafeModeRow, insertSafeMode, lastSafeMode, optOutOf, safeModeInForce, type SafeMode } from '../db/queries/opt-out-safety';
import { maskPhone } from '../domain/phone';
import type { RaiseAlert } from './alerts';
import { signalPause, signalResume, workflowIdOf } from './cadences';
import { listOptOut } from './contacts';
import { conflict } from './errors';
import type { Keyring } from './keyring';

export interface OptOutSafetyDeps {
  db: Db;
  raiseAlert: RaiseAlert;
  /** Pauses cadences; absent where none run (their DNC row still stops them at the gate). */
  temporal?: Client;
  keyring: Keyring;
}

/** How long a process trusts its last look at the switch; the process that flips it sees it at once. */
export const SAFE_MODE_CACHE_MS = 2000;

const cache = new WeakMap<Db, { on: boolean; until: number }>();
const remember = (db: Db, on: boolean) => cache.set(db, { on, until: Date.now() + SAFE_MODE_CACHE_MS });

/** Is the opt-out path in safe mode (answered calls offer only the opt-out)? Read at most every SAFE_MODE_CACHE_MS per process. */
export async function optOutSafeMode({ db }: { db: Db }): Promise<boolean> {
  const hit = cache.get(db);
  if (hit && hit.until > Date.now()) return hit.on;
  const on = !!(await safeModeInForce(db));
  remember(db, on);
  return on;
}

export interface SafeModeView {
  safeMode: boolean;
  /** The safe mode in force, else the last one (ended), else null. */
  last: {
    id: string;
    reason: string;
    detail: unknown;
    enteredBy: string;
    enteredAt: string;
    endedBy: string | null;
    endedAt: string | null;
    endReason: string | null;
  } | null;
  /** Numbers on the DNC list because the carrier said they were unsubscribed and we had not listed them. */
  carrierListed: number;
}

const viewOf = (m: SafeMode | null, carrierListed: number): SafeModeView => ({
  safeMode: !!m && !m.endedAt,
  last: m
    ? {
        id: m.id,
        reason: m.reason,
        detail: m.detail ?? null,
        enteredBy: m.enteredBy,
        enteredAt: m.enteredAt.toISOString(),
        endedBy: m.endedBy,
        endedAt: m.endedAt?.toISOString() ?? null,
        endReason: m.endReason,
      }
    : null,
  carrierListed,
});

export async function safeModeState({ db }: { db: Db }, input: { tenant: string }): Promise<SafeModeView> {
  const [m, n] = await Promise.all([lastSafeMode(db), carrierListedCount(db, input.tenant)]);
  return viewOf(m, n);
}

/**
 * Stops calling a number at once: its cadence (every campaign's follow-ups for the person) is
 * paused, audited `number.hold` on the contact (no number in the log). The contact's id, or null
 * when the number has no contact (nothing runs for it).
 */
async function holdNumber(deps: OptOutSafetyDeps, input: { tenant: string; phone: string; actor: string; why: string }): Promise<string | null> {
  const contact = await contactByPhone(deps.db, input.tenant, input.phone);
  if (!contact) return null;
  if (deps.temporal) await signalPause(deps.temporal, workflowIdOf(deps.keyring, contact));
  await audit(deps.db, { actor: input.actor, action: 'number.hold', target: contact.id, after: { paused: true, why: input.why, number: maskPhone(input.phone) } });
  return contact.id;
}

/**
 * The carrier refused a text as unsubscribed (21610). A number already on our list: nothing more
 * (the list was right). One we had not listed: the playbook — DNC with source `carrier`, its
 * cadence paused, ops alerted (critical), audited `opt-out.carrier`. Returns whether we had missed it.
 */
export async function carrierSaysUnsubscribed(deps: OptOutSafetyDeps, input: { tenant: string; phone: string; attemptId: string; actor: string }): Promise<'listed' | 'missed'> {
  if (await optOutOf(deps.db, input.tenant, input.phone)) return 'listed';
  await listOptOut(deps.db, input.tenant, input.phone, 'carrier');
  const contactId = await holdNumber(deps, { tenant: input.tenant, phone: input.phone, actor: input.actor, why: 'the carrier says the number unsubscribed (21610); it was not on our opt-out list' });
  await audit(deps.db, { actor: input.actor, action: 'opt-out.carrier', target: contactId ?? undefined, after: { source: 'carrier', attemptId: input.attemptId, number: maskPhone(input.phone) } });
  await deps.raiseAlert({
    kind: 'opt-out-missed',
    severity: 'critical',
    message: `The carrier refused a text as unsubscribed (21610) for a number not on our opt-out list${contactId ? ` (contact ${contactId})` : ''}: it is now listed (source carrier) and its cadence paused. An opt-out was lost on our side: check the SMS reply and DTMF paths, and review the contact before resuming it.`,
    detail: { contactId, attemptId: input.attemptId, number: maskPhone(input.phone) },
  });
  return 'missed';
}

/**
 * The daily self-check failed: the numbers whose check failed are held, and the opt-out path goes
 * into safe mode (audited `opt-out-safe-mode.enter`; once, however often it fails meanwhile). Ops
 * hear of it (critical) every time it fails.
 */
export async function selfCheckFailed(deps: OptOutSafetyDeps, input: { tenant: string; numbers: string[]; problems: string[]; detail: unknown; actor: string }): Promise<{ entered: boolean }> {
  const held: string[] = [];
  for (const phone of input.numbers) {
    const id = await holdNumber(deps, { tenant: input.tenant, phone, actor: input.actor, why: 'the opt-out self-check failed on this number' });
    if (id) held.push(id);
  }
  const reason = `opt-out self-check failed: ${input.problems.join('; ')}`;
  const entered = await insertSafeMode(deps.db, { reason, detail: { problems: input.problems, heldContacts: held, check: input.detail }, enteredBy: input.actor });
  if (entered) await audit(deps.db, { actor: input.actor, action: 'opt-out-safe-mode.enter', target: entered.id, after: { reason, heldContacts: held } });
  remember(deps.db, true);
  await deps.raiseAlert({
    kind: 'self-check',
    severity: 'critical',
    message: `Opt-out self-check failed: ${input.problems.join('; ')}. ${entered ? 'Safe mode is on' : 'Safe mode stays on'}: every answered call offers only the opt-out (press 0) until the self-check passes or an operator resumes (POST /v1/operations/opt-out-safe-mode/resume); ${held.length} self-check cadence(s) paused.`,
    detail: { problems: input.problems, heldContacts: held, safeModeId: entered?.id ?? null },
  });
  return { entered: !!entered };
}

/**
 * The self-check is about to call its own number: a cadence the last failure paused is resumed
 * first (audited `number.release`), or the check could never pass again.
 */
export async function releaseSelfCheckNumber(deps: OptOutSafetyDeps, input: { tenant: string; phone: string; actor: string }) {
  if (!(await safeModeInForce(deps.db))) return;
  const contact = await contactByPhone(deps.db, input.tenant, input.phone);
  if (!contact || !deps.temporal) return;
  await signalResume(deps.temporal, workflowIdOf(deps.keyring, contact));
  await audit(deps.db, { actor: input.actor, action: 'number.release', target: contact.id, after: { why: 'the opt-out self-check calls it again' } });
}

async function endSafeMode(deps: Pick<OptOutSafetyDeps, 'db' | 'raiseAlert'>, input: { actor: string; reason: string; action: string }): Promise<SafeMode | null> {
  const ended = await deps.db.transaction(async (tx) => {
    const row = await endSafeModeRow(tx, { endedBy: input.actor, endReason: input.reason });
    if (row) await audit(tx, { actor: input.actor, action: input.action, target: row.id, after: { reason: input.reason, heldFor: `${Math.round((row.endedAt!.getTime() - row.enteredAt.getTime()) / 1000)} s` } });
    return row;
  });
  remember(deps.db, false);
  if (ended) {
    await deps.raiseAlert({ kind: 'opt-out-safe-mode', severity: 'info', message: `Opt-out safe mode ended (${input.action === 'opt-out-safe-mode.resume' ? `resumed by ${input.actor}` : 'the self-check passed'}): calls play their full script again`, detail: { safeModeId: ended.id } });
  }
  return ended;
}

/** The self-check passed: safe mode, if on, ends (audited `opt-out-safe-mode.end`). */
export async function selfCheckPassed(deps: Pick<OptOutSafetyDeps, 'db' | 'raiseAlert'>, input: { actor: string }): Promise<boolean> {
  return !!(await endSafeMode(deps, { actor: input.actor, reason: 'the opt-out self-check passed', action: 'opt-out-safe-mode.end' }));
}

/**
 * An operator ends safe mode with a reason (the fix and how it was tested), audited
 * `opt-out-safe-mode.resume`. Conflict when it is not on. Held numbers stay held: each is reviewed
 * on its contact (resume, or keep it listed).
 */
export async function resumeOptOutPath(deps: Pick<OptOutSafetyDeps, 'db' | 'raiseAlert'>, input: { actor: string; reason: string; tenant: string }): Promise<SafeModeView> {
  const ended = await endSafeMode(deps, { actor: input.actor, reason: input.reason, action: 'opt-out-safe-mode.resume' });
  if (!ended) throw conflict('The opt-out path is not in safe mode; there is nothing to resume.');
  return safeModeState(deps, { tenant: input.tenant });
}
