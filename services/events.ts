/**
 * Ingest a business event (CRM sync): normalise the phone, upsert the contact, and deliver the
 * event to the contact's cadence (signal-with-start) with the campaign's active strategy.
 */
import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { activeStrategy } from '../db/queries/campaigns';
import { contactByExternalId, upsertContact } from '../db/queries/contacts';
import { recordInterfaceError } from '../db/queries/operations';
import { normalizePhone, zoneForCountry } from '../domain/phone';
import type { Industry } from '../domain/vocabulary';
import { DEFAULT_CAMPAIGN } from '../workflows/constants';
import { deliverEvent } from './cadences';
import { conflict, notFound, ServiceError, ServiceErrorCode } from './errors';

export interface EventDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
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
}

export async function ingestEvent(deps: EventDeps, body: EventInput): Promise<EventAccepted> {
  const { db, temporal, taskQueue, defaultRegion, tenant } = deps;
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
  const contact = await upsertContact(
    db,
    {
      tenant,
      phone,
      timeZone: profile.timeZone ?? zoneForCountry(country, zoneForCountry(defaultRegion, 'UTC')),
      name: profile.name,
      tags: profile.tags,
      industry: profile.industry,
      externalId: body.externalId,
      consentSource: 'event',
    },
    profile.timeZone !== undefined,
  );
  const occurredAt = body.occurredAt ? Date.parse(body.occurredAt) : Date.now();
  const eventId = body.id ?? createHash('sha256').update(JSON.stringify([body.type, phone, campaignId, body.occurredAt ?? occurredAt])).digest('hex').slice(0, 32);
  let workflowId: string;
  try {
    workflowId = await deliverEvent(temporal, taskQueue, contact, {
      id: eventId,
      type: body.type,
      campaignId,
      occurredAt,
      strategy: active.strategy,
      strategyVersion: active.version,
      profile: { timeZone: contact.timeZone, tags: contact.tags, industry: contact.industry },
    });
  } catch (err) {
    // a CRM sync that cannot reach its cadence counts towards escalation (the watchdog holds cadences)
    await recordInterfaceError(db, 'crm', `event ${eventId}: ${(err as Error).message}`).catch(() => undefined);
    throw new ServiceError(ServiceErrorCode.unavailable, 'The event could not be delivered to its cadence right now; retry it with the same id (it is applied once).');
  }
  return { workflowId, contactId: contact.id, eventId, campaignId, strategyVersion: active.version };
}
