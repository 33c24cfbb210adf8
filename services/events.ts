/**
 * Ingest a business event (CRM sync): normalise the phone, then in one statement upsert the
 * contact and put the event in the inbox, announced to the dispatcher (services/inbox.ts), which
 * delivers it to the contact's cadence. Accepted means durable: Temporal may be down.
 */
import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type { Db } from '../db/client';
import { activeStrategy } from '../db/queries/campaigns';
import { contactByExternalId } from '../db/queries/contacts';
import { acceptEvent, inboxEventById, type AcceptedEvent } from '../db/queries/inbox';
import { normalizePhone, zoneForCountry } from '../domain/phone';
import type { InboxState, Industry } from '../domain/vocabulary';
import { DEFAULT_CAMPAIGN } from '../workflows/constants';
import { workflowIdOf } from './cadences';
import type { Keyring } from './keyring';
import { conflict, notFound, ServiceError, ServiceErrorCode } from './errors';
import { eventIngest } from './metrics';

export interface EventDeps {
  db: Db;
  keyring: Keyring;
  tenant: string;
  defaultRegion: CountryCode;
}

export interface EventInput {
  id?: string;
  type: string;
  phone?: string;
  externalId?: string;
  campaignId?: string;
  occurredAt?: string;
  contact?: { name?: string | null; timeZone?: string; tags?: string[]; industry?: Industry | null };
}

export interface EventAccepted {
  workflowId: string;
  contactId: string;
  eventId: string;
  campaignId: string;
  strategyVersion: number;
  /** queued until the dispatcher hands it to the cadence; a repeated id answers its row's state. */
  state: InboxState;
}

export async function ingestEvent(deps: EventDeps, body: EventInput): Promise<EventAccepted> {
  const took = eventIngest.startTimer();
  try {
    const result = await ingest(deps, body);
    took({ result: 'accepted' });
    return result;
  } catch (err) {
    took({ result: 'refused' });
    throw err;
  }
}

async function ingest(deps: EventDeps, body: EventInput): Promise<EventAccepted> {
  const { db, defaultRegion, tenant } = deps;
  const campaignId = body.campaignId ?? DEFAULT_CAMPAIGN;
  const active = await activeStrategy(db, campaignId);
  if (!active) throw new ServiceError(ServiceErrorCode.unknownCampaign, `No campaign "${campaignId}". Create it with POST /v1/campaigns, or omit campaignId for the default one.`);
  if (active.status === 'cancelled') throw conflict(`Campaign "${campaignId}" is cancelled and takes no events.`);

  let phone: string;
  let country: string | undefined;
  if (body.phone) {
    const n = normalizePhone(body.phone, defaultRegion);
    if (!n.ok) throw new ServiceError(ServiceErrorCode.invalidPhone, `phone: ${n.reason}`);
    phone = n.e164;
    country = n.country;
  } else {
    const known = await contactByExternalId(db, tenant, body.externalId!);
    if (!known) throw notFound(`No contact with externalId "${body.externalId}"; send its phone once to create it.`);
    phone = known.phone;
  }
  const profile = body.contact ?? {};
  const occurredAt = body.occurredAt ? Date.parse(body.occurredAt) : Date.now();
  const eventId = body.id ?? createHash('sha256').update(JSON.stringify([body.type, phone, campaignId, body.occurredAt ?? occurredAt])).digest('hex').slice(0, 32);
  const { row } = await acceptEvent(
    db,
    {
      tenant,
      phone,
      timeZone: profile.timeZone ?? zoneForCountry(country, zoneForCountry(defaultRegion, 'UTC')),
      timeZoneExplicit: profile.timeZone !== undefined,
      name: profile.name,
      tags: profile.tags,
      industry: profile.industry,
      externalId: body.externalId,
      consentSource: 'event',
    },
    {
      eventId,
      campaignId,
      type: body.type,
      occurredAt: new Date(occurredAt),
      strategyVersion: active.version,
      workflowId: workflowIdOf(deps.keyring, { tenant, phone }),
      // the stored profile (time zone, tags, industry) is merged in by the statement
      payload: { id: eventId, type: body.type, campaignId, occurredAt, strategy: active.strategy, strategyVersion: active.version },
    },
  );
  return accepted(row);
}

const accepted = (row: AcceptedEvent): EventAccepted => ({
  workflowId: row.workflowId,
  contactId: row.contactId,
  eventId: row.eventId,
  campaignId: row.campaignId,
  strategyVersion: row.strategyVersion,
  state: row.state,
});

export interface EventStatus extends EventAccepted {
  type: string;
  occurredAt: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** When a queued event is tried next (null once delivered or failed). */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
}

/** Where an accepted event is: queued (and why, if a delivery failed), delivered, or failed. */
export async function eventStatus(deps: Pick<EventDeps, 'db' | 'tenant'>, eventId: string): Promise<EventStatus> {
  const row = await inboxEventById(deps.db, deps.tenant, eventId);
  if (!row) throw notFound(`No event "${eventId}" was accepted.`);
  return {
    ...accepted(row),
    type: row.type,
    occurredAt: row.occurredAt.toISOString(),
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: row.state === 'queued' ? row.nextAttemptAt.toISOString() : null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
  };
}
