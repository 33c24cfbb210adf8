/**
 * Carrier lines: list, add, inspect health, change CPS or close. A line's auth token is sealed
 * in PostgreSQL (and so in every backup) under the keyring's write key; a line's view never holds
 * it: secrets never leave the API, nor land in the audit log.
 */
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { allLines, ensureLines, insertLine, lineById, lineHealth, lockLine, setLineToken, updateLine as writeLine, type Line } from '../db/queries/lines';
import { defaultFailover } from '../domain/failover';
import type { ClosedBy } from '../domain/line-service';
import type { LineTier } from '../domain/vocabulary';
import { alertsOf } from './alerts';
import { bringLineBack, takeLineOut } from './line-service';
import { conflict, notFound } from './errors';
import { isSealed, openText, sealText, type Keyring } from './keyring';

export interface LineDeps {
  db: Db;
  keyring: Keyring;
}

/** Closing and opening lines tell ops (services/alerts.ts): where alerts go from this process. */
export interface LineAlertDeps {
  opsWebhookUrl?: string;
  log: (msg: string) => void;
}

/** What a sealed auth token is bound to: it opens as a line token and nothing else. */
const LINE_TOKEN = 'line-auth-token';
export const sealLineToken = (k: Keyring, token: string) => sealText(k, token, LINE_TOKEN);
/** The clear token, for the twilio client and webhook signatures only; a token stored before sealing opens as it is. */
export const openLineToken = (k: Keyring, stored: string) => openText(k, stored, LINE_TOKEN);

/**
 * The lines REDIAL_LINES names, as configured: missing ones are added, and a token changed in the
 * configuration replaces the stored one (rotation by redeploying). CPS, tier and state stay as
 * operators set them through the API.
 */
export async function applyConfiguredLines(db: Db, k: Keyring, configured: ReadonlyArray<{ id: string; accountSid: string; authToken: string; fromNumber: string; tier: string; cps: number }>) {
  if (!configured.length) return;
  await ensureLines(db, configured.map((l) => ({ ...l, authToken: sealLineToken(k, l.authToken) })));
  const stored = new Map((await allLines(db)).map((l) => [l.id, l]));
  for (const l of configured) {
    const row = stored.get(l.id);
    if (row && openLineToken(k, row.authToken) !== l.authToken) await setLineToken(db, l.id, row.authToken, sealLineToken(k, l.authToken));
  }
}

/** Seals every token still stored in clear (a database from before sealing); returns how many. */
export async function sealClearTokens(db: Db, k: Keyring): Promise<number> {
  let n = 0;
  for (const l of await allLines(db)) {
    if (isSealed(l.authToken)) continue;
    await setLineToken(db, l.id, l.authToken, sealLineToken(k, l.authToken));
    n++;
  }
  return n;
}

export type LineState = 'active' | 'failed' | 'closed';

export interface LineView {
  id: string;
  provider: string;
  accountSid: string;
  fromNumber: string;
  tier: LineTier;
  cps: number;
  state: LineState;
  /** Who took it out of service (null while active): failover and routine lines come back on clean probes, an admin's stays closed. */
  closedBy: ClosedBy | null;
  stateChangedAt: string;
}

const view = (l: Line): LineView => ({
  id: l.id,
  provider: l.provider,
  accountSid: l.accountSid,
  fromNumber: l.fromNumber,
  tier: l.tier as LineTier,
  cps: l.cps,
  state: l.state as LineState,
  closedBy: (l.closedBy as ClosedBy | null) ?? null,
  stateChangedAt: l.stateChangedAt.toISOString(),
});

const noLine = () => notFound('No line with this id.');

export async function listLines({ db }: LineDeps): Promise<LineView[]> {
  return (await allLines(db)).map(view);
}

export interface NewLine {
  id: string;
  accountSid: string;
  authToken: string;
  fromNumber: string;
  tier: LineTier;
  cps: number;
  actor: string;
}

/** Adds a carrier line; conflict when the id is taken. */
export async function createLine({ db, keyring }: LineDeps, input: NewLine): Promise<LineView> {
  const { actor, ...line } = input;
  return db.transaction(async (tx) => {
    const row = await insertLine(tx, { ...line, authToken: sealLineToken(keyring, line.authToken) });
    if (!row) throw conflict(`A line "${line.id}" exists; change it with PATCH /v1/lines/${line.id}.`);
    await audit(tx, { actor, action: 'line.create', target: row.id, after: view(row) });
    return view(row);
  });
}

/** A line's failure and connect rate over its rolling health window (the failover's). */
export async function lineHealthReport({ db }: LineDeps, lineId: string) {
  const line = await lineById(db, lineId);
  if (!line) throw noLine();
  const { windowMs, windowCalls } = defaultFailover;
  const h = await lineHealth(db, line.id, { since: new Date(Date.now() - windowMs), lastN: windowCalls });
  return { lineId: line.id, state: line.state, windowSeconds: windowMs / 1000, windowCalls, calls: h.calls, failures: h.failures, failureRate: h.failureRate, connectRate: h.connectRate };
}

/**
 * Changes a line's CPS (applies to the next call, on every worker), closes/reopens it, or rotates
 * its auth token (sealed; the audit entry says it changed, never what to). A close is the
 * admin's (closed_by admin: the line stays closed until an admin opens it) and goes through
 * services/line-service.ts: audited `line.close`, ops told when its tier is left without a line
 * in service, and refused (conflict) when it would leave every line closed. Opening a closed or
 * failed line is audited `line.reopen`.
 */
export async function updateLine(deps: LineDeps & LineAlertDeps, input: { lineId: string; cps?: number; state?: 'active' | 'closed'; authToken?: string; actor: string }): Promise<LineView> {
  const { db, keyring } = deps;
  const lineDeps = { db, raiseAlert: alertsOf(deps) };
  const { lineId: id } = input;
  const current = await lineById(db, id);
  if (!current) throw noLine();
  if (input.state && input.state !== current.state) {
    if (input.state === 'closed') {
      const r = await takeLineOut(lineDeps, { lineId: id, from: current.state, to: 'closed', by: 'admin', actor: input.actor });
      if (!r.changed && r.refused === 'last-open') throw conflict(`Line ${id} is the last line not closed: closing it would stop every call. To stop calling, pause the campaigns or engage a lockdown with pauseDialling.`);
      if (!r.changed) throw conflict(`Line ${id} changed state meanwhile; read it again.`);
    } else if (!(await bringLineBack(lineDeps, { lineId: id, from: current.state, actor: input.actor, detail: { by: 'admin' } }))) {
      throw conflict(`Line ${id} changed state meanwhile; read it again.`);
    }
  }
  return db.transaction(async (tx) => {
    const before = await lockLine(tx, id);
    if (!before) throw noLine();
    const rotate = input.authToken !== undefined && input.authToken !== openLineToken(keyring, before.authToken);
    const change = {
      ...(input.cps !== undefined && input.cps !== before.cps ? { cps: input.cps } : {}),
      ...(rotate ? { authToken: sealLineToken(keyring, input.authToken!) } : {}),
    };
    if (Object.keys(change).length === 0) return view(before); // nothing (more) to change: idempotent
    const after = (await writeLine(tx, id, change))!;
    await audit(tx, { actor: input.actor, action: 'line.update', target: id, before: view(before), after: { ...view(after), ...(rotate ? { authToken: 'rotated' } : {}) } });
    return view(after);
  });
}
