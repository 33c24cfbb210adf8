/**
 * Controlling a contact's cadence: opt-out (from an operator, a key pressed in a call, an SMS
 * reply), DNC removal, pause, resume, cancel; and reading a contact with its cadence and attempts.
 * The DNC row comes first, then the signal: the gate refuses a listed number even if the signal
 * is late.
 */
import type { Client } from '@temporalio/client';
import type { Db, Tx } from '../db/client';
import { attemptsOfContact } from '../db/queries/attempts';
import { audit } from '../db/queries/audit';
import { addOptOut, contactById, contactByPhone, removeOptOut } from '../db/queries/contacts';
import { cadenceState, signalCancel, signalOptOut, signalPause, signalResume, workflowIdOf } from './cadences';
import { notFound, ServiceError, ServiceErrorCode } from './errors';
import { normalizePhone } from '../domain/phone';
import type { CountryCode } from 'libphonenumber-js';
import { openText, type Keyring } from './keyring';
import { repliesOfContact } from '../db/queries/sms';
import { recordRead } from './lockdown';
import { optOuts } from './metrics';

export interface ContactDeps {
  db: Db;
  temporal: Client;
  keyring: Keyring;
}

export interface ControlResult {
  contactId: string;
  workflowId: string;
  action: string;
  changed: boolean;
}

async function liveContact(db: Db, id: string) {
  const contact = await contactById(db, id);
  if (!contact || contact.deletedAt) throw notFound('No contact with this id.');
  return contact;
}

/**
 * Puts a number on the DNC list (domain/vocabulary.ts opt-out sources: dtmf, speech, sms,
 * operator, carrier) and counts it when it was not there yet; true then. Every opt-out goes through here.
 */
export async function listOptOut(db: Tx, tenant: string, phone: string, channel: Parameters<typeof addOptOut>[3]): Promise<boolean> {
  const added = await addOptOut(db, tenant, phone, channel);
  if (added) optOuts.inc({ channel });
  return added;
}

/** An operator puts the number on the DNC list; every follow-up ends at once. */
export async function optOutContact({ db, temporal, keyring }: ContactDeps, input: { contactId: string; actor: string }): Promise<ControlResult> {
  const contact = await liveContact(db, input.contactId);
  const changed = await listOptOut(db, contact.tenant, contact.phone, 'operator');
  await signalOptOut(temporal, workflowIdOf(keyring, contact), 'operator');
  await audit(db, { actor: input.actor, action: 'contact.opt-out', target: contact.id, before: { status: contact.status }, after: { status: 'opted_out' } });
  return { contactId: contact.id, workflowId: workflowIdOf(keyring, contact), action: 'opt-out', changed };
}

/** An admin takes the number off the DNC list; new events may call it again. */
export async function removeFromDnc({ db, keyring }: Pick<ContactDeps, 'db' | 'keyring'>, input: { contactId: string; actor: string }): Promise<ControlResult> {
  const contact = await liveContact(db, input.contactId);
  const changed = await removeOptOut(db, contact.tenant, contact.phone);
  await audit(db, { actor: input.actor, action: 'dnc.remove', target: contact.id, before: { dnc: changed }, after: { dnc: false } });
  return { contactId: contact.id, workflowId: workflowIdOf(keyring, contact), action: 'dnc-remove', changed };
}

const signals = { pause: signalPause, resume: signalResume, cancel: signalCancel };

/** Pause, resume or cancel the contact's cadence (cancel ends every follow-up without an opt-out). */
export async function controlCadence({ db, temporal, keyring }: ContactDeps, input: { contactId: string; actor: string; action: keyof typeof signals }): Promise<ControlResult> {
  const contact = await liveContact(db, input.contactId);
  await signals[input.action](temporal, workflowIdOf(keyring, contact));
  await audit(db, { actor: input.actor, action: `contact.${input.action}`, target: contact.id });
  return { contactId: contact.id, workflowId: workflowIdOf(keyring, contact), action: input.action, changed: true };
}

/** An SMS reply asked to stop (TD, 退订, STOP…): DNC first, then the contact's cadence, if any. */
export async function optOutBySms({ db, temporal, keyring }: ContactDeps, input: { tenant: string; phone: string }) {
  await listOptOut(db, input.tenant, input.phone, 'sms');
  const contact = await contactByPhone(db, input.tenant, input.phone);
  if (contact) await signalOptOut(temporal, workflowIdOf(keyring, contact), 'sms');
}

/** The keyring purpose a text's body is sealed under (services/sms-replies.ts seals, this file opens). */
export const SMS_REPLY_BODY = 'sms-reply-body';

/**
 * A contact with its cadence state, every attempt and every text they sent us (the body opened
 * only `withBodies`: operator and admin). The cadence first, then the attempts: the
 * state never claims an outcome the rows do not show yet. When the cadence cannot be read, the
 * rest is still answered, with the reason in cadenceError. The read is in the access log
 * (`contact.read`), for the scope report of a leak.
 */
export async function contactDetail({ db, temporal, keyring }: ContactDeps, input: { contactId: string; actor: string; withBodies: boolean }) {
  const contact = await liveContact(db, input.contactId);
  const cadence = await cadenceState(temporal, workflowIdOf(keyring, contact));
  const attempts = await attemptsOfContact(db, contact.id);
  const replies = (await repliesOfContact(db, contact.id)).map((r) => ({ ...r, body: input.withBodies ? openText(keyring, r.body, SMS_REPLY_BODY) : null }));
  await recordRead({ db }, { actor: input.actor, action: 'contact.read', contactIds: [contact.id], rows: 1 });
  return { contact, cadence, attempts, replies };
}

/**
 * An operator finds a person's contact and cadence from the number (cadence ids reveal none):
 * normalised like an event's number, audited with the contact it found.
 */
export async function findByPhone({ db, keyring }: Pick<ContactDeps, 'db' | 'keyring'>, input: { tenant: string; phone: string; defaultRegion: CountryCode; actor: string }) {
  const n = normalizePhone(input.phone, input.defaultRegion);
  if (!n.ok) throw new ServiceError(ServiceErrorCode.invalidPhone, `phone: ${n.reason}`);
  const contact = await contactByPhone(db, input.tenant, n.e164);
  await audit(db, { actor: input.actor, action: 'contact.lookup', target: contact?.id ?? 'none', after: { found: Boolean(contact && !contact.deletedAt) } });
  if (!contact || contact.deletedAt) throw notFound('No contact with this number.');
  await recordRead({ db }, { actor: input.actor, action: 'contact.lookup', contactIds: [contact.id], rows: 1 });
  return { contactId: contact.id, workflowId: workflowIdOf(keyring, contact) };
}
