import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { imports } from '../schema';
import type { ContactProfile } from './contacts';

export type Import = typeof imports.$inferSelect;

/**
 * Upserts a batch of contacts in one statement. A row that matches what is stored is not touched
 * (re-importing a file changes nothing); returns how many were created and updated.
 */
export async function upsertContactsBatch(
  db: Tx,
  rows: Array<Required<Pick<ContactProfile, 'tenant' | 'phone' | 'timeZone'>> & ContactProfile & { campaignId?: string | null }>,
  importId?: string,
) {
  if (!rows.length) return { created: 0, updated: 0 };
  const values = sql.join(
    rows.map((r) => sql`(${r.tenant}, ${r.phone}, ${r.name ?? null}, ${r.timeZone}, ${JSON.stringify(r.tags ?? [])}::jsonb, ${r.industry ?? null}, ${r.externalId ?? null}, 'import', now())`),
    sql`, `,
  );
  const result = await db.execute<{ created: boolean }>(sql`
    insert into contacts (tenant, phone, name, time_zone, tags, industry, external_id, consent_source, consent_at)
    values ${values}
    on conflict (tenant, phone) do update set
      name = coalesce(excluded.name, contacts.name),
      time_zone = excluded.time_zone,
      tags = excluded.tags,
      industry = coalesce(excluded.industry, contacts.industry),
      external_id = coalesce(excluded.external_id, contacts.external_id),
      updated_at = now(),
      deleted_at = null
    where (contacts.name, contacts.time_zone, contacts.tags, contacts.industry, contacts.external_id, contacts.deleted_at)
      is distinct from (coalesce(excluded.name, contacts.name), excluded.time_zone, excluded.tags, coalesce(excluded.industry, contacts.industry), coalesce(excluded.external_id, contacts.external_id), null)
    returning (xmax = 0) as created`);
  if (importId) {
    // every row of the batch, changed or not, belongs to the import (its enrolment pages through these)
    const pairs = sql.join(rows.map((r) => sql`(${r.phone}, ${r.campaignId ?? null}::text)`), sql`, `);
    await db.execute(sql`
      insert into import_contacts (import_id, contact_id, campaign_id)
      select ${importId}::uuid, c.id, v.campaign_id from (values ${pairs}) as v(phone, campaign_id)
      join contacts c on c.tenant = ${rows[0]!.tenant} and c.phone = v.phone
      on conflict do nothing`);
  }
  const created = result.filter((r) => r.created).length;
  return { created, updated: result.length - created };
}

/** The record of an import, written before its contacts (they reference it through import_contacts). */
export async function insertImport(db: Tx, values: typeof imports.$inferInsert): Promise<Import> {
  const [row] = await db.insert(imports).values(values).returning();
  return row!;
}

/** Sets what the import did to the stored contacts, once its batches are written. */
export async function setImportCounts(db: Tx, id: string, counts: Pick<Import, 'created' | 'updated' | 'unchanged'>): Promise<Import> {
  const [row] = await db.update(imports).set(counts).where(eq(imports.id, id)).returning();
  return row!;
}

export async function importById(db: Tx, tenant: string, id: string): Promise<Import | null> {
  const [row] = await db.select().from(imports).where(and(eq(imports.id, id), eq(imports.tenant, tenant)));
  return row ?? null;
}
