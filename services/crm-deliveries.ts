/**
 * CRM deliveries: a business outcome (domain/crm.ts) is handed to the campaign's CRM as a signed
 * webhook. The delivery is a row written in the transaction that records the outcome
 * (`queueCrmDelivery`); a dispatcher in every API process starts one Temporal workflow per row
 * (workflows/crm-delivery.ts), which tries the POST with backoff, waits out a lockdown without
 * spending a try, and dead-letters the row after the retry budget. An operator replays a dead one.
 *
 * Signature (like Stripe's): `Redial-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<raw body>")>`, computed afresh for every try, so a receiver that refuses a `t` older than
 * five minutes also refuses a captured request played again. README.md has a receiver.
 */
import { createHmac } from 'node:crypto';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { Db, Tx } from '../db/client';
import { audit } from '../db/queries/audit';
import { campaignExists } from '../db/queries/campaigns';
import { contactById } from '../db/queries/contacts';
import {
  claimUndispatched,
  crmDeliveryById,
  crmDeliveryForTry,
  crmEndpointOf,
  crmTriesOf,
  insertCrmDelivery,
  listCrmDeliveries,
  listenCrm,
  markDead,
  markDispatched,
  markHeld,
  recordCrmTry,
  reopenDead,
  upsertCrmEndpoint,
  type CrmDeliveryRow,
  type CrmEndpointRow,
} from '../db/queries/crm';
import { lockdownInForce } from '../db/queries/lockdown';
import { businessOutcomeOf, crmBody, type BusinessOutcome, DEFAULT_CRM_RETRY, type CrmDeliveryState, type CrmMapping, type CrmRetryPolicy } from '../domain/crm';
import { redactPhones } from '../domain/phone';
import { crmDeliveryWorkflowId } from '../workflows/constants';
import type { CrmTryResult } from '../workflows/contracts';
import { crmDelivery } from '../workflows/crm-delivery';
import { conflict, notFound, unknownCampaign } from './errors';
import { openText, sealText, type Keyring } from './keyring';
import { startWokenLoop, type WokenLoop } from './woken-loop';

export const SIGNATURE_HEADER = 'Redial-Signature';
/** One POST may take this long; longer counts as a failed try. */
export const CRM_POST_TIMEOUT_MS = 10_000;

/** What a sealed secret is bound to: it opens as a CRM signing secret and nothing else. */
const CRM_SECRET = 'crm-endpoint-secret';

export interface CrmDeps {
  db: Db;
  keyring: Keyring;
}

/** `t=…,v1=…` over `${t}.${body}` (t in unix seconds). */
export function signCrmBody(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

// --- the campaign's endpoint ---------------------------------------------------------------

export interface CrmEndpointView {
  campaignId: string;
  url: string;
  mapping: CrmMapping;
  enabled: boolean;
  /** The secret is write-only: set, never shown. */
  secretSet: true;
  updatedBy: string;
  updatedAt: string;
}

const endpointView = (e: CrmEndpointRow): CrmEndpointView => ({
  campaignId: e.campaignId,
  url: e.url,
  mapping: e.mapping,
  enabled: e.enabled,
  secretSet: true,
  updatedBy: e.updatedBy,
  updatedAt: e.updatedAt.toISOString(),
});

export async function crmEndpoint({ db }: Pick<CrmDeps, 'db'>, campaignId: string): Promise<CrmEndpointView> {
  const e = await crmEndpointOf(db, campaignId);
  if (!e) {
    if (!(await campaignExists(db, campaignId))) throw unknownCampaign(campaignId);
    throw notFound(`Campaign "${campaignId}" has no CRM endpoint; PUT /v1/campaigns/${campaignId}/crm sets one.`);
  }
  return endpointView(e);
}

/** Sets (or changes) a campaign's endpoint; audited without the secret. A first one needs a secret; a change may keep it. */
export async function setCrmEndpoint(
  { db, keyring }: CrmDeps,
  input: { campaignId: string; url: string; secret?: string; mapping: CrmMapping; enabled: boolean; actor: string },
): Promise<CrmEndpointView> {
  return db.transaction(async (tx) => {
    if (!(await campaignExists(tx, input.campaignId))) throw unknownCampaign(input.campaignId);
    const before = await crmEndpointOf(tx, input.campaignId);
    if (!before && !input.secret) throw conflict(`Campaign "${input.campaignId}" has no CRM endpoint yet: the first one needs a secret.`);
    const secret = input.secret ? sealText(keyring, input.secret, CRM_SECRET) : before!.secret;
    const row = await upsertCrmEndpoint(tx, { campaignId: input.campaignId, url: input.url, secret, mapping: input.mapping, enabled: input.enabled, updatedBy: input.actor });
    const shown = (e: CrmEndpointRow | null) => e && { url: e.url, mapping: e.mapping, enabled: e.enabled };
    await audit(tx, { actor: input.actor, action: 'crm.endpoint.set', target: input.campaignId, before: shown(before), after: { ...shown(row), secretChanged: !!input.secret } });
    return endpointView(row);
  });
}

// --- queueing, in the outcome's transaction -------------------------------------------------

export interface OutcomeRecorded {
  /** The outcome's stable id: one delivery per campaign and outcome id. */
  outcomeId: string;
  /** The attempt outcome as recorded (attempts.outcome): mapped through domain/crm.ts. */
  outcome: string;
  campaignId: string;
  contactId: string;
  channel: 'call' | 'sms';
  attemptId: string | null;
  strategyVersion: number | null;
  talkSeconds: number | null;
  at: Date;
}

/**
 * Called where an outcome is recorded, inside its transaction: when it is a business outcome and
 * the campaign has an enabled endpoint, the delivery is queued (the body built now, under the
 * mapping in force) and the dispatchers woken at commit. Returns the delivery id, or null.
 */
export async function queueCrmDelivery(tx: Tx, o: OutcomeRecorded): Promise<number | null> {
  const outcome = businessOutcomeOf(o.outcome);
  if (!outcome) return null;
  const endpoint = await crmEndpointOf(tx, o.campaignId);
  if (!endpoint?.enabled) return null;
  const contact = await contactById(tx, o.contactId);
  if (!contact) return null;
  const body = crmBody(
    {
      outcomeId: o.outcomeId,
      outcome,
      detail: o.outcome,
      occurredAt: o.at.toISOString(),
      campaignId: o.campaignId,
      contactId: o.contactId,
      externalId: contact.externalId,
      channel: o.channel,
      attemptId: o.attemptId,
      strategyVersion: o.strategyVersion,
      talkSeconds: o.talkSeconds,
    },
    endpoint.mapping,
  );
  return insertCrmDelivery(tx, { tenant: contact.tenant, campaignId: o.campaignId, outcomeId: o.outcomeId, outcome, contactId: o.contactId, attemptId: o.attemptId, url: endpoint.url, body: JSON.stringify(body) });
}

// --- one try, and the dead letter (the workflow's activities) -------------------------------

/** One signed POST of a pending delivery, recorded with its answer; held (and not tried) during a lockdown. */
export async function tryCrmDelivery(deps: CrmDeps & { timeoutMs?: number }, input: { deliveryId: number; nextTryInMs: number | null }): Promise<CrmTryResult> {
  const { db } = deps;
  const row = await crmDeliveryForTry(db, input.deliveryId);
  if (!row || row.state !== 'pending') return { result: 'settled' };
  // a lockdown stops outbound integrations: the delivery waits, durably, and costs no try
  if (await lockdownInForce(db)) {
    await markHeld(db, row.id);
    return { result: 'held' };
  }
  const endpoint = await crmEndpointOf(db, row.campaignId);
  const started = Date.now();
  let status: number | null = null;
  let error: string | null = null;
  try {
    if (!endpoint) throw new Error('the campaign has no CRM endpoint any more');
    const secret = openText(deps.keyring, endpoint.secret, CRM_SECRET);
    const res = await fetch(row.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Redial-CRM-Delivery/1',
        [SIGNATURE_HEADER]: signCrmBody(secret, row.body, Math.floor(Date.now() / 1000)),
        'Redial-Delivery-Id': String(row.id),
        'Redial-Outcome-Id': row.outcomeId,
      },
      body: row.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs ?? CRM_POST_TIMEOUT_MS),
    });
    status = res.status;
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) error = `the CRM answered ${res.status}`;
  } catch (err) {
    const e = err as Error;
    error = redactPhones(e.name === 'TimeoutError' ? `no answer within ${deps.timeoutMs ?? CRM_POST_TIMEOUT_MS} ms` : `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}`).slice(0, 500);
  }
  const delivered = error === null;
  await recordCrmTry(db, {
    deliveryId: row.id,
    status,
    error,
    durationMs: Date.now() - started,
    delivered,
    nextAttemptAt: delivered || input.nextTryInMs === null ? null : new Date(Date.now() + input.nextTryInMs),
  });
  return delivered ? { result: 'delivered' } : { result: 'failed', error: error! };
}

export async function deadLetterCrmDelivery({ db }: Pick<CrmDeps, 'db'>, input: { deliveryId: number }): Promise<void> {
  await markDead(db, input.deliveryId);
}

// --- the dispatcher: a workflow per delivery -----------------------------------------------

export interface CrmDispatcherDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: (msg: string, err?: unknown) => void;
  /** The retry budget and backoff every delivery's workflow runs under (DEFAULT_CRM_RETRY). */
  retry?: CrmRetryPolicy;
}

/** Starts the workflows of deliveries that have none (new ones, replays, any whose start failed). */
export async function dispatchCrmDeliveries(deps: CrmDispatcherDeps, batch = 50): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const rows = await claimUndispatched(tx, batch);
    for (const r of rows) {
      // one run per delivery and replay: a start repeated after a crash finds the run already there
      await deps.temporal.workflow.start(crmDelivery, {
        workflowId: crmDeliveryWorkflowId(r.id, r.replays),
        taskQueue: deps.taskQueue,
        args: [{ deliveryId: r.id, retry: deps.retry ?? DEFAULT_CRM_RETRY }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      await markDispatched(tx, r.id);
    }
    return rows.length;
  });
}

/** Woken by each new delivery and replay (NOTIFY), and by a poll; every API process runs one. */
export async function startCrmDispatcher(deps: CrmDispatcherDeps, options: { pollMs?: number } = {}): Promise<WokenLoop> {
  let failing = false;
  return startWokenLoop({
    listen: (wake) =>
      listenCrm(deps.db, wake).catch((err: unknown) => {
        deps.log('crm deliveries: LISTEN failed; dispatching on the poll only', err);
        return null;
      }),
    pollMs: options.pollMs ?? 5000,
    async round() {
      try {
        const n = await dispatchCrmDeliveries(deps);
        failing = false;
        return n > 0;
      } catch (err) {
        // Temporal or PostgreSQL unreachable: the rows wait, nothing is lost
        if (!failing) deps.log(`crm deliveries: starting delivery workflows failed (${isGrpcServiceError(err) ? 'Temporal unreachable?' : 'PostgreSQL unreachable?'}); retrying on the poll`, err);
        failing = true;
        return false;
      }
    },
  });
}

// --- what operators see, and the replay ----------------------------------------------------

export interface CrmDeliveryView {
  id: number;
  campaignId: string;
  outcomeId: string;
  outcome: BusinessOutcome;
  contactId: string;
  attemptId: string | null;
  /** The receiver's origin and path (a query string may hold a token: not shown). */
  endpoint: string;
  state: CrmDeliveryState;
  /** Waiting for a lockdown's release. */
  held: boolean;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  deadAt: string | null;
  replays: number;
}

export interface CrmDeliveryDetail extends CrmDeliveryView {
  /** The body as POSTed (JSON; no phone number: the CRM's externalId and our contactId). */
  body: unknown;
  tries: Array<{ at: string; status: number | null; error: string | null; durationMs: number }>;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function endpointOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const deliveryView = (r: CrmDeliveryRow): CrmDeliveryView => ({
  id: r.id,
  campaignId: r.campaignId,
  outcomeId: r.outcomeId,
  outcome: r.outcome,
  contactId: r.contactId,
  attemptId: r.attemptId,
  endpoint: endpointOf(r.url),
  state: r.state,
  held: r.state === 'pending' && r.heldAt !== null,
  attempts: r.attempts,
  lastStatus: r.lastStatus,
  lastError: r.lastError,
  nextAttemptAt: r.state === 'pending' ? iso(r.nextAttemptAt) : null,
  createdAt: r.createdAt.toISOString(),
  deliveredAt: iso(r.deliveredAt),
  deadAt: iso(r.deadAt),
  replays: r.replays,
});

export interface DeliveriesDeps {
  db: Db;
  tenant: string;
}

export async function listDeliveries(
  { db, tenant }: DeliveriesDeps,
  f: { campaignId?: string; state?: CrmDeliveryState; outcome?: BusinessOutcome; contactId?: string; from?: Date; to?: Date; before?: number; limit: number },
): Promise<CrmDeliveryView[]> {
  return (await listCrmDeliveries(db, tenant, f)).map(deliveryView);
}

export async function deliveryDetail({ db, tenant }: DeliveriesDeps, id: number): Promise<CrmDeliveryDetail> {
  const row = await crmDeliveryById(db, tenant, id);
  if (!row) throw notFound(`No CRM delivery ${id}.`);
  const tries = await crmTriesOf(db, id);
  return {
    ...deliveryView(row),
    body: JSON.parse(row.body) as unknown,
    tries: tries.map((t) => ({ at: t.at.toISOString(), status: t.status, error: t.error, durationMs: t.durationMs })),
  };
}

/** A dead-lettered delivery goes out again under a fresh retry budget (a new workflow run); audited. */
export async function replayDelivery({ db, tenant }: DeliveriesDeps, input: { id: number; actor: string }): Promise<CrmDeliveryView> {
  return db.transaction(async (tx) => {
    const row = await reopenDead(tx, tenant, input.id);
    if (!row) {
      const existing = await crmDeliveryById(tx, tenant, input.id);
      if (!existing) throw notFound(`No CRM delivery ${input.id}.`);
      throw conflict(`CRM delivery ${input.id} is ${existing.state}: only a dead-lettered delivery is replayed.`);
    }
    await audit(tx, { actor: input.actor, action: 'crm.delivery.replay', target: String(row.id), after: { campaignId: row.campaignId, outcomeId: row.outcomeId, replay: row.replays } });
    return deliveryView(row);
  });
}
