import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { contacts, optOuts } from '../schema';

export interface ContactProfile {
  tenant: string;
  phone: string;
  timeZone: string;
  name?: string | null;
  tags?: string[];
  industry?: string | null;
  externalId?: string | null;
  consentSource?: string | null;
}

/**
 * Inserts the contact or updates the profile fields the caller gave (absent fields are kept).
 * The time zone is only overwritten when given explicitly (`timeZoneExplicit`).
 */
export async function upsertContact(db: Tx, p: ContactProfile, timeZoneExplicit: boolean) {
  const set: Record<string, unknown> = { updatedAt: sql`now()`, deletedAt: null };
  if (timeZoneExplicit) set.timeZone = p.timeZone;
  if (p.name !== undefined) set.name = p.name;
  if (p.tags !== undefined) set.tags = p.tags;
  if (p.industry !== undefined) set.industry = p.industry;
  if (p.externalId !== undefined) set.externalId = p.externalId;
  const [row] = await db
    .insert(contacts)
    .values({
      tenant: p.tenant,
      phone: p.phone,
      timeZone: p.timeZone,
      name: p.name ?? null,
      tags: p.tags ?? [],
      industry: p.industry ?? null,
      externalId: p.externalId ?? null,
      consentSource: p.consentSource ?? null,
      consentAt: p.consentSource ? new Date() : null,
    })
    .onConflictDoUpdate({ target: [contacts.tenant, contacts.phone], set })
    .returning();
  return row!;
}

export async function contactById(db: Tx, id: string) {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, id));
  return row ?? null;
}

export async function contactByExternalId(db: Tx, tenant: string, externalId: string) {
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.tenant, tenant), eq(contacts.externalId, externalId)));
  return row ?? null;
}

export async function contactByPhone(db: Tx, tenant: string, phone: string) {
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.tenant, tenant), eq(contacts.phone, phone)));
  return row ?? null;
}

/** Puts the number on the DNC list and marks the contact; true when it was not there yet. */
export async function addOptOut(db: Tx, tenant: string, phone: string, source: string): Promise<boolean> {
  const rows = await db.insert(optOuts).values({ tenant, phone, source }).onConflictDoNothing().returning({ phone: optOuts.phone });
  await db
    .update(contacts)
    .set({ status: 'opted_out', updatedAt: sql`now()` })
    .where(and(eq(contacts.tenant, tenant), eq(contacts.phone, phone)));
  return rows.length > 0;
}

/** Takes a number off the DNC list (admin only, audited by the caller); true when it was on it. */
export async function removeOptOut(db: Tx, tenant: string, phone: string): Promise<boolean> {
  const rows = await db
    .delete(optOuts)
    .where(and(eq(optOuts.tenant, tenant), eq(optOuts.phone, phone)))
    .returning({ phone: optOuts.phone });
  await db
    .update(contacts)
    .set({ status: 'active', updatedAt: sql`now()` })
    .where(and(eq(contacts.tenant, tenant), eq(contacts.phone, phone), eq(contacts.status, 'opted_out')));
  return rows.length > 0;
}
