/**
 * Lockdown, the data-leak playbook as one admin action. While a lockdown is in force:
 * - exports and bulk reads of personal data are refused (ServiceError `lockdown`, 423), for every key;
 * - API keys other than admin are suspended, except what must not be lost: event ingestion
 *   (POST /v1/events and its status) and opt-outs (the API's routes say which, api/routes/define.ts);
 * - outbound integrations (the ops webhook) stop: deliveries wait in the outbox (services/outbox.ts)
 *   and go out in order after the release;
 * - with pauseDialling, the compliance gate refuses new attempts (reason `lockdown`) and cadences
 *   wait for the release; without it, dialling goes on.
 * Engaging, changing and releasing it, and every request it refuses, are audited. The state is a
 * row in PostgreSQL (every API process and every worker see one switch), cached here briefly.
 */
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { accessBetween, accessCount, insertLockdown, lastLockdown, lockdownInForce, recordAccess, releaseLockdown as writeRelease, updateLockdown, type Lockdown } from '../db/queries/lockdown';
import { OUTBOX_CHANNEL, pendingCount, takeDrainTurn } from '../db/queries/outbox';
import { sql } from 'drizzle-orm';
import { ServiceError, ServiceErrorCode } from './errors';

export interface LockdownDeps {
  db: Db;
}

/** How long a process trusts its last look at the switch; the process that flips it sees it at once. */
export const LOCKDOWN_CACHE_MS = 2000;

/** A refused request is audited once per key and route in this period (a retrying client is one row, not thousands). */
const REFUSAL_AUDIT_MS = 10_000;

const cache = new WeakMap<Db, { value: Lockdown | null; until: number }>();
const refusalsAudited = new WeakMap<Db, Map<string, number>>();

/** The lockdown in force, or null; read from PostgreSQL at most every LOCKDOWN_CACHE_MS per process. */
export async function currentLockdown({ db }: LockdownDeps): Promise<Lockdown | null> {
  const hit = cache.get(db);
  if (hit && hit.until > Date.now()) return hit.value;
  const value = await lockdownInForce(db);
  cache.set(db, { value, until: Date.now() + LOCKDOWN_CACHE_MS });
  return value;
}

export interface LockdownView {
  locked: boolean;
  /** The lockdown in force, else the last one (released), else null. */
  lockdown: {
    id: string;
    reason: string | null;
    pauseDialling: boolean;
    engagedBy: string | null;
    engagedAt: string;
    releasedBy: string | null;
    releasedAt: string | null;
  } | null;
  /** Outbound deliveries waiting in the outbox (held by the lockdown, or retrying). */
  queuedDeliveries: number;
}

/** `full` false (keys other than admin): when and whether, not why or by whom. */
function view(l: Lockdown | null, queued: number, full: boolean): LockdownView {
  return {
    locked: !!l && !l.releasedAt,
    lockdown: l
      ? {
          id: l.id,
          reason: full ? l.reason : null,
          pauseDialling: l.pauseDialling,
          engagedBy: full ? l.engagedBy : null,
          engagedAt: l.engagedAt.toISOString(),
          releasedBy: full ? l.releasedBy : null,
          releasedAt: l.releasedAt?.toISOString() ?? null,
        }
      : null,
    queuedDeliveries: queued,
  };
}

export async function lockdownState({ db }: LockdownDeps, input: { full: boolean }): Promise<LockdownView> {
  const [l, queued] = await Promise.all([lastLockdown(db), pendingCount(db)]);
  return view(l, queued, input.full);
}

/**
 * Engages a lockdown (audited `lockdown.engage`), or changes the one in force (its reason and
 * pauseDialling; audited `lockdown.update`). It takes the outbox's drain turn first: a delivery
 * in flight finishes, and none starts after this answers.
 */
export async function engageLockdown({ db }: LockdownDeps, input: { reason: string; pauseDialling: boolean; actor: string }): Promise<LockdownView & { engaged: boolean }> {
  const result = await db.transaction(async (tx) => {
    await takeDrainTurn(tx);
    const existing = await lockdownInForce(tx);
    if (existing) {
      const updated = await updateLockdown(tx, existing.id, { reason: input.reason, pauseDialling: input.pauseDialling });
      await audit(tx, { actor: input.actor, action: 'lockdown.update', target: existing.id, before: { reason: existing.reason, pauseDialling: existing.pauseDialling }, after: { reason: input.reason, pauseDialling: input.pauseDialling } });
      return { l: updated, engaged: false };
    }
    const l = await insertLockdown(tx, { reason: input.reason, pauseDialling: input.pauseDialling, engagedBy: input.actor });
    if (!l) throw new ServiceError(ServiceErrorCode.conflict, 'Another lockdown was engaged at the same moment; GET /v1/lockdown shows it.');
    await audit(tx, { actor: input.actor, action: 'lockdown.engage', target: l.id, after: { reason: l.reason, pauseDialling: l.pauseDialling } });
    return { l, engaged: true };
  });
  cache.set(db, { value: result.l, until: Date.now() + LOCKDOWN_CACHE_MS });
  return { ...view(result.l, await pendingCount(db), true), engaged: result.engaged };
}

/**
 * Releases the lockdown in force (audited `lockdown.release`) and wakes the outbox's drainers, which
 * deliver what waited, in order. Idempotent: without a lockdown it answers the state, `released` false.
 */
export async function releaseLockdown({ db }: LockdownDeps, input: { actor: string }): Promise<LockdownView & { released: boolean }> {
  const released = await db.transaction(async (tx) => {
    const l = await writeRelease(tx, input.actor);
    if (l) {
      await audit(tx, { actor: input.actor, action: 'lockdown.release', target: l.id, after: { heldFor: `${Math.round((l.releasedAt!.getTime() - l.engagedAt.getTime()) / 1000)} s` } });
      await tx.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
    }
    return l;
  });
  cache.set(db, { value: null, until: Date.now() + LOCKDOWN_CACHE_MS });
  const state = await lockdownState({ db }, { full: true });
  return { ...state, released: !!released };
}

const since = (l: Lockdown) => `Redial is in lockdown since ${l.engagedAt.toISOString()} (the data-leak playbook)`;

/** Audits a refusal, at most once per key and route per REFUSAL_AUDIT_MS in this process. */
async function auditRefusal(db: Db, l: Lockdown, actor: string, what: string, refusal: string) {
  let seen = refusalsAudited.get(db);
  if (!seen) refusalsAudited.set(db, (seen = new Map()));
  const k = `${actor} ${what}`;
  const now = Date.now();
  if ((seen.get(k) ?? 0) > now - REFUSAL_AUDIT_MS) return;
  seen.set(k, now);
  if (seen.size > 10_000) for (const [key, at] of seen) if (at <= now - REFUSAL_AUDIT_MS) seen.delete(key);
  await audit(db, { actor, action: 'lockdown.refused', target: l.id, after: { request: what, refusal } });
}

/**
 * For a use case that reads personal data in bulk (an export, a list of contacts or call
 * samples): throws ServiceError `lockdown` while one is in force, and audits the refusal.
 */
export async function assertNotLockedDown(deps: LockdownDeps, input: { actor: string; what: string }): Promise<void> {
  const l = await currentLockdown(deps);
  if (!l) return;
  await auditRefusal(deps.db, l, input.actor, input.what, 'bulk-read');
  throw new ServiceError(ServiceErrorCode.lockdown, `${since(l)}: exports and bulk reads of personal data are closed until an admin releases it (DELETE /v1/lockdown).`);
}

/**
 * A key other than admin asks for something a lockdown suspends: the sentence to answer it
 * with, or null when no lockdown is in force. The refusal is audited.
 */
export async function suspension(deps: LockdownDeps, input: { actor: string; what: string }): Promise<string | null> {
  const l = await currentLockdown(deps);
  if (!l) return null;
  await auditRefusal(deps.db, l, input.actor, input.what, 'key-suspended');
  return `${since(l)}: API keys other than admin are suspended, except event ingestion (POST /v1/events, GET /v1/events/{id}) and opt-outs. An admin releases it with DELETE /v1/lockdown.`;
}

/** Contacts an access-log entry names at most; beyond, it keeps the count and the filter. */
export const ACCESS_IDS_MAX = 10_000;

/** Records a read of personal data by a key (services call it; ingestion is not a read). */
export async function recordRead({ db }: LockdownDeps, e: { actor: string; action: string; contactIds: Iterable<string> | null; rows: number; contacts?: number; filter?: unknown }) {
  const ids = e.contactIds ? [...e.contactIds] : null;
  const contacts = e.contacts ?? ids?.length ?? 0;
  await recordAccess(db, { keyId: e.actor, action: e.action, contactIds: ids && ids.length <= ACCESS_IDS_MAX ? ids : null, rows: e.rows, contacts, filter: e.filter });
}

/** Entries a scope report lists at most (the totals count them all). */
export const SCOPE_ENTRIES_MAX = 5000;

/**
 * The scope question of a leak: which keys read or exported which contacts in [from, to). Per
 * key, the distinct contacts named by its entries; every entry with its action, rows and filter.
 */
export async function accessScope({ db }: LockdownDeps, input: { from: Date; to: Date; actor: string }) {
  const [entries, total] = await Promise.all([accessBetween(db, input.from, input.to, SCOPE_ENTRIES_MAX), accessCount(db, input.from, input.to)]);
  await audit(db, { actor: input.actor, action: 'audit.exports', after: { from: input.from.toISOString(), to: input.to.toISOString() } });
  const byKey = new Map<string, { keyId: string; keyName: string | null; role: string | null; reads: number; exports: number; rows: number; contactIds: Set<string>; unlisted: number; actions: Set<string> }>();
  for (const e of entries) {
    let k = byKey.get(e.keyId);
    if (!k) byKey.set(e.keyId, (k = { keyId: e.keyId, keyName: e.keyName, role: e.role, reads: 0, exports: 0, rows: 0, contactIds: new Set(), unlisted: 0, actions: new Set() }));
    if (e.action.startsWith('export.')) k.exports++;
    else k.reads++;
    k.rows += e.rows;
    k.actions.add(e.action);
    if (e.contactIds) for (const id of e.contactIds) k.contactIds.add(id);
    else k.unlisted += e.contacts;
  }
  return {
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    total,
    truncated: total > entries.length,
    keys: [...byKey.values()].map((k) => ({
      keyId: k.keyId,
      keyName: k.keyName,
      role: k.role,
      actions: [...k.actions].sort(),
      reads: k.reads,
      exports: k.exports,
      rows: k.rows,
      contacts: k.contactIds.size + k.unlisted,
      contactIds: [...k.contactIds],
    })),
    entries: entries.map((e) => ({
      at: e.at.toISOString(),
      keyId: e.keyId,
      keyName: e.keyName,
      role: e.role,
      action: e.action,
      rows: e.rows,
      contacts: e.contacts,
      contactIds: e.contactIds,
      filter: e.filter ?? null,
    })),
  };
}
