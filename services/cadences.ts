/**
 * The client side of the cadence workflow: every Temporal client call to a cadence (from the API
 * and from the bulk activities), in one place.
 */
import { ActivityCompletionError, ActivityNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { contacts } from '../db/schema';
import { cadence } from '../workflows/cadence';
import { cadenceWorkflowId, dialActivityId } from '../workflows/constants';
import { CADENCE_STATUS, CAMPAIGN, INDUSTRY } from '../workflows/search-attributes';
import { cancelSignal, eventSignal, optOutSignal, outcomeSignal, pauseSignal, resumeSignal, scriptTextSignal, smsReplySignal, stateQuery, type AttemptOutcome, type CadenceView } from '../workflows/messages';
import { initialState, type CadenceEvent } from '../domain/cadence-state';
import { keyedHash, type Keyring } from './keyring';

type Contact = typeof contacts.$inferSelect;

/**
 * The person's cadence id: a keyed hash (HMAC under REDIAL_HASH_SECRET) of tenant and number, so
 * the same person always maps to one workflow, and the Temporal UI, CLI, database and any log line
 * that names the workflow reveal no number.
 */
export function workflowIdOf(keyring: Keyring, c: Pick<Contact, 'tenant' | 'phone'>) {
  return cadenceWorkflowId(c.tenant, keyedHash(keyring, 'cadence-id', `${c.tenant}:${c.phone}`).slice(0, 32));
}

/** Where cadences run: the client, the worker's task queue, and the keyring that names them. */
export interface CadenceHost {
  temporal: Client;
  taskQueue: string;
  keyring: Keyring;
}

/** Starts the contact's cadence if it is not running, and delivers the event, atomically. */
export async function deliverEvent({ temporal, taskQueue, keyring }: CadenceHost, contact: Contact, event: CadenceEvent): Promise<string> {
  const workflowId = workflowIdOf(keyring, contact);
  await temporal.workflow.signalWithStart(cadence, {
    workflowId,
    taskQueue,
    args: [
      {
        state: initialState({
          tenant: contact.tenant,
          phone: contact.phone,
          contactId: contact.id,
          timeZone: contact.timeZone,
          tags: contact.tags,
          industry: contact.industry,
          contactStatus: contact.status,
        }),
      },
    ],
    signal: eventSignal,
    signalArgs: [event],
    // what the cadence will publish once the event is applied, so a new one need not write it again
    typedSearchAttributes: [
      { key: CADENCE_STATUS, value: 'active' },
      { key: CAMPAIGN, value: [event.campaignId] },
      ...(contact.industry ? [{ key: INDUSTRY, value: contact.industry }] : []),
    ],
  });
  return workflowId;
}

/** Signals a running cadence; a cadence that is not running has nothing to tell. */
async function signalIfRunning(temporal: Client, workflowId: string, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<void>) {
  try {
    await send(temporal.workflow.getHandle(workflowId));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

const signalOutcome = (temporal: Client, workflowId: string, o: AttemptOutcome) => signalIfRunning(temporal, workflowId, (h) => h.signal(outcomeSignal, o));
/**
 * Tells a cadence how its call ended. A cadence waits in its dial activity (workflows/cadence.ts):
 * the outcome completes that activity by its id, which costs no workflow task of its own. A
 * cadence from before, or one whose dial is between tries, is not waiting there: it gets the
 * outcome signal (the retry reads the outcome from the attempt row anyway).
 */
export async function reportOutcome(temporal: Client, workflowId: string, o: AttemptOutcome) {
  try {
    await temporal.activity.complete({ workflowId, activityId: dialActivityId(o.attemptId) }, { outcome: o.outcome, ...(o.callbackAt !== undefined ? { callbackAt: o.callbackAt } : {}) });
  } catch (err) {
    if (!(err instanceof ActivityNotFoundError || err instanceof ActivityCompletionError)) throw err;
    await signalOutcome(temporal, workflowId, o);
  }
}
export const signalOptOut = (temporal: Client, workflowId: string, source: string) => signalIfRunning(temporal, workflowId, (h) => h.signal(optOutSignal, { source }));
export const signalPause = (temporal: Client, workflowId: string) => signalIfRunning(temporal, workflowId, (h) => h.signal(pauseSignal));
export const signalResume = (temporal: Client, workflowId: string) => signalIfRunning(temporal, workflowId, (h) => h.signal(resumeSignal));
export const signalSmsReply = (temporal: Client, workflowId: string, r: { campaignId: string; at: number }) => signalIfRunning(temporal, workflowId, (h) => h.signal(smsReplySignal, r));
export const signalScriptText = (temporal: Client, workflowId: string, t: { campaignId: string; attemptId: string; text: string; at: number }) =>
  signalIfRunning(temporal, workflowId, (h) => h.signal(scriptTextSignal, t));
export const signalCancel = (temporal: Client, workflowId: string, campaignId?: string) => signalIfRunning(temporal, workflowId, (h) => h.signal(cancelSignal, { campaignId }));

const STATE_DEADLINE_MS = 3000;

/**
 * The cadence's state, or null when the contact never had one (works on finished cadences too).
 * When it cannot be read — no worker is polling, Temporal is slow — the error says why, and the
 * caller still answers with what PostgreSQL knows.
 */
export async function cadenceState(temporal: Client, workflowId: string): Promise<{ view: CadenceView | null; error: string | null }> {
  try {
    // no worker to answer (or a slow one) must not hang the API: answer with what PostgreSQL knows after 3 s
    const view = await temporal.connection.withDeadline(Date.now() + STATE_DEADLINE_MS, () => temporal.workflow.getHandle(workflowId).query(stateQuery));
    return { view, error: null };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { view: null, error: null };
    return { view: null, error: `cadence state unavailable: ${(err as Error).message.split('\n')[0]}` };
  }
}
