/**
 * A contact's timeline: the answer to "why was this number called, and why not". One list in time
 * order, merged from what PostgreSQL recorded (events accepted, the gate's grants as attempts and
 * its refusals in the compliance log, calls and texts with their outcome, deadlines missed, replies,
 * the DNC entry) and what the cadence workflow's history shows (the signals it received, the
 * timers it slept on, its runs), ending with its plan now (the next attempt and why it waits).
 * The number is masked; no reply body, name or payload in clear is in it.
 */
import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { tsToMs } from '@temporalio/common/lib/time';
import type { Db } from '../db/client';
import { attemptsOfContact } from '../db/queries/attempts';
import { contactById } from '../db/queries/contacts';
import { optOutOf, repliesOfContact } from '../db/queries/sms';
import { deadlineMissesOfContact, eventsOfContact, refusalsOfContact } from '../db/queries/timeline';
import { maskPhone } from '../domain/phone';
import { cadenceState, workflowIdOf } from './cadences';
import { notFound } from './errors';
import type { Keyring } from './keyring';
import { recordRead } from './lockdown';

export const TIMELINE_KINDS = ['event', 'signal', 'wait', 'granted', 'refused', 'call', 'sms', 'deadline-missed', 'reply', 'opt-out', 'cadence', 'plan'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];
export const TIMELINE_SOURCES = ['inbox', 'workflow-history', 'attempts', 'compliance-log', 'deadline-misses', 'sms-replies', 'dnc-list', 'cadence-state'] as const;

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  source: (typeof TIMELINE_SOURCES)[number];
  campaignId: string | null;
  strategyVersion: number | null;
  /** One sentence a person reads. */
  summary: string;
  detail: Record<string, unknown>;
}

/** How many continued-as-new runs of the cadence are read back (its newest first). */
const MAX_RUNS = 10;

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

/** A signal's argument, cut to the fields a timeline may show (an event's strategy and profile are left out). */
function signalEntry(name: string, arg: Record<string, unknown> | undefined): Pick<TimelineEntry, 'kind' | 'campaignId' | 'strategyVersion' | 'summary' | 'detail'> {
  const a = arg ?? {};
  const campaignId = typeof a.campaignId === 'string' ? a.campaignId : null;
  switch (name) {
    case 'event':
      return { kind: 'signal', campaignId, strategyVersion: (a.strategyVersion as number) ?? null, summary: `The cadence received ${String(a.type)} for campaign ${campaignId} (strategy v${String(a.strategyVersion)})`, detail: { signal: name, type: a.type, eventId: a.id } };
    case 'attemptOutcome':
      return { kind: 'signal', campaignId: null, strategyVersion: null, summary: `The cadence learned the attempt's outcome: ${String(a.outcome)}`, detail: { signal: name, attemptId: a.attemptId, outcome: a.outcome } };
    case 'optOut':
      return { kind: 'signal', campaignId: null, strategyVersion: null, summary: `The cadence was told of an opt-out (${String(a.source)}): every follow-up ends`, detail: { signal: name, source: a.source } };
    case 'profile':
      return { kind: 'signal', campaignId: null, strategyVersion: null, summary: 'The contact’s profile changed (time zone, tags or industry)', detail: { signal: name, fields: Object.keys(a) } };
    default:
      return { kind: 'signal', campaignId, strategyVersion: null, summary: `The cadence received ${name}${campaignId ? ` for campaign ${campaignId}` : ''}`, detail: { signal: name } };
  }
}

/** The cadence's runs (newest first, following continue-as-new back), as timeline entries. */
async function historyEntries(temporal: Client, workflowId: string): Promise<{ entries: TimelineEntry[]; error: string | null }> {
  const entries: TimelineEntry[] = [];
  const converter = temporal.options.loadedDataConverter;
  let runId: string | undefined;
  try {
    for (let run = 0; run < MAX_RUNS; run++) {
      const history = await temporal.workflow.getHandle(workflowId, runId).fetchHistory();
      runId = undefined;
      for (const e of (history.events ?? []) as HistoryEvent[]) {
        const at = new Date(tsToMs(e.eventTime)).toISOString();
        const base = { at, source: 'workflow-history' as const, campaignId: null, strategyVersion: null };
        if (e.workflowExecutionStartedEventAttributes) {
          const prev = e.workflowExecutionStartedEventAttributes.continuedExecutionRunId;
          entries.push({ ...base, kind: 'cadence', summary: prev ? 'The cadence continued as a new run (its history is kept short)' : 'The cadence started', detail: {} });
          if (prev) runId = prev;
        } else if (e.workflowExecutionSignaledEventAttributes) {
          const s = e.workflowExecutionSignaledEventAttributes;
          const [arg] = await decodeArrayFromPayloads(converter, s.input?.payloads).catch(() => []);
          entries.push({ ...base, ...signalEntry(s.signalName ?? '?', arg as Record<string, unknown> | undefined) });
        } else if (e.timerStartedEventAttributes) {
          const ms = tsToMs(e.timerStartedEventAttributes.startToFireTimeout);
          entries.push({ ...base, kind: 'wait', summary: `The cadence sleeps until ${new Date(tsToMs(e.eventTime) + ms).toISOString()} (or until a signal wakes it)`, detail: { until: new Date(tsToMs(e.eventTime) + ms).toISOString(), seconds: Math.round(ms / 1000) } });
        } else if (e.workflowExecutionCompletedEventAttributes) {
          entries.push({ ...base, kind: 'cadence', summary: 'The cadence ended: nothing left to do for this person', detail: {} });
        }
      }
      if (!runId) break;
    }
    return { entries, error: null };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    // a contact whose events never reached Temporal has no cadence yet: not an error
    if ((err as Error).name === 'WorkflowNotFoundError' || /not found/i.test(message ?? '')) return { entries, error: null };
    return { entries, error: `workflow history unavailable: ${message}` };
  }
}

export async function contactTimeline(deps: { db: Db; temporal: Client; keyring: Keyring }, input: { contactId: string; actor: string }) {
  const { db, temporal, keyring } = deps;
  const contact = await contactById(db, input.contactId);
  if (!contact || contact.deletedAt) throw notFound('No contact with this id.');
  const workflowId = workflowIdOf(keyring, contact);
  const [events, attempts, refusals, misses, replies, optOut, history, cadence] = await Promise.all([
    eventsOfContact(db, contact.id),
    attemptsOfContact(db, contact.id),
    refusalsOfContact(db, contact.id),
    deadlineMissesOfContact(db, contact.id),
    repliesOfContact(db, contact.id),
    optOutOf(db, contact.tenant, contact.phone),
    historyEntries(temporal, workflowId),
    cadenceState(temporal, workflowId),
  ]);
  const entries: TimelineEntry[] = [];
  for (const e of events) {
    const state = e.state === 'delivered' ? `delivered to the cadence${e.deliveredAt ? ` at ${e.deliveredAt.toISOString()}` : ''}` : e.state === 'failed' ? `not delivered: ${e.lastError ?? 'failed'}` : 'queued for delivery';
    entries.push({ at: e.createdAt.toISOString(), kind: 'event', source: 'inbox', campaignId: e.campaignId, strategyVersion: e.strategyVersion, summary: `${e.type} accepted for campaign ${e.campaignId} (strategy v${e.strategyVersion}); ${state}`, detail: { eventId: e.eventId, type: e.type, occurredAt: e.occurredAt.toISOString(), state: e.state } });
  }
  for (const a of attempts) {
    const what = a.channel === 'sms' ? 'a text' : 'a call';
    entries.push({ at: a.reservedAt.toISOString(), kind: 'granted', source: 'attempts', campaignId: a.campaignId, strategyVersion: a.strategyVersion, summary: `The gate granted ${what} (campaign ${a.campaignId}, strategy v${a.strategyVersion}, local day ${a.localDay}): not on the DNC list, campaign running, under the daily cap, inside the window`, detail: { attemptId: a.id, channel: a.channel } });
    if (a.placedAt || a.endedAt || a.status === 'carrier-failed') {
      const parts = a.channel === 'sms'
        ? [`Text ${a.status}`, a.errorCode ? `error ${a.errorCode}` : null, a.lineId ? `from line ${a.lineId}` : null]
        : [`Call ${a.status}`, a.answeredBy ? `answered by ${a.answeredBy}` : null, a.durationSec !== null ? `${a.durationSec} s` : null, a.lineId ? `on line ${a.lineId}` : null, a.sipResponseCode ? `SIP ${a.sipResponseCode}` : null];
      entries.push({
        at: (a.endedAt ?? a.placedAt ?? a.reservedAt).toISOString(),
        kind: a.channel === 'sms' ? 'sms' : 'call',
        source: 'attempts',
        campaignId: a.campaignId,
        strategyVersion: a.strategyVersion,
        summary: `${parts.filter(Boolean).join(', ')}${a.outcome ? ` → ${a.outcome}` : ''}`,
        detail: { attemptId: a.id, status: a.status, outcome: a.outcome, lineId: a.lineId, providerSid: a.providerSid, answeredBy: a.answeredBy, durationSec: a.durationSec, sipResponseCode: a.sipResponseCode, errorCode: a.errorCode, voicemail: a.voicemail },
      });
    }
  }
  for (const r of refusals) {
    entries.push({ at: r.createdAt.toISOString(), kind: 'refused', source: 'compliance-log', campaignId: r.campaignId, strategyVersion: r.strategyVersion, summary: `The gate refused ${r.channel === 'sms' ? 'a text' : 'a call'}: ${r.reason}${r.strategyVersion ? ` (strategy v${r.strategyVersion})` : ''}`, detail: { reason: r.reason, channel: r.channel, ...(r.detail ?? {}) } });
  }
  for (const m of misses) {
    entries.push({ at: m.createdAt.toISOString(), kind: 'deadline-missed', source: 'deadline-misses', campaignId: m.campaignId, strategyVersion: null, summary: `The first-contact deadline of ${m.trigger} (${m.deadlineAt.toISOString()}) could not be kept: ${m.reason}; ${m.action === 'handed-off' ? 'handed to a person' : 'called at the first allowed instant'}`, detail: { reason: m.reason, action: m.action, deadlineAt: m.deadlineAt.toISOString(), expectedAt: m.expectedAt?.toISOString() ?? null } });
  }
  for (const r of replies) {
    entries.push({ at: r.receivedAt.toISOString(), kind: 'reply', source: 'sms-replies', campaignId: r.campaignId, strategyVersion: null, summary: `The person texted back (${r.kind}): ${r.action}`, detail: { kind: r.kind, action: r.action } });
  }
  if (optOut) entries.push({ at: optOut.createdAt.toISOString(), kind: 'opt-out', source: 'dnc-list', campaignId: null, strategyVersion: null, summary: `On the DNC list since then (source: ${optOut.source}): never called or texted again`, detail: { source: optOut.source } });
  entries.push(...history.entries);
  const view = cadence.view;
  if (view) {
    const next = view.nextAttemptAt ? `next ${view.nextChannel ?? 'attempt'} at ${view.nextAttemptAt}${view.nextAttemptReason ? ` (waiting for: ${view.nextAttemptReason})` : ''}` : 'no attempt planned';
    entries.push({ at: new Date().toISOString(), kind: 'plan', source: 'cadence-state', campaignId: null, strategyVersion: null, summary: `Now: the cadence is ${view.status}; ${next}`, detail: { status: view.status, nextAttemptAt: view.nextAttemptAt, nextAttemptReason: view.nextAttemptReason, attemptsToday: view.attemptsToday, followUps: view.followUps.map((f) => ({ campaignId: f.campaignId, trigger: f.trigger, status: f.status, endReason: f.endReason, attempts: f.attempts, strategyVersion: f.strategyVersion })) } });
  }
  // time order; at the same instant, the database's record before the workflow's
  const rank = (e: TimelineEntry) => TIMELINE_SOURCES.indexOf(e.source);
  entries.sort((a, b) => (a.at === b.at ? rank(a) - rank(b) : a.at < b.at ? -1 : 1));
  await recordRead({ db }, { actor: input.actor, action: 'contact.timeline', contactIds: [contact.id], rows: entries.length });
  return {
    contact: { id: contact.id, phone: maskPhone(contact.phone), timeZone: contact.timeZone, status: contact.status, workflowId },
    entries,
    errors: [history.error, cadence.error].filter((e): e is string => !!e),
  };
}
