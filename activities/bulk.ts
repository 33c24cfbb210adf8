/**
 * Activities of the bulk workflows (workflows/bulk.ts): they page through PostgreSQL or Temporal
 * visibility and talk to many cadences through the Temporal client.
 */
import { heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Keyring } from '../services/keyring';
import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { activeStrategy } from '../db/queries/campaigns';
import { contacts, importContacts, imports } from '../db/schema';
import { CAMPAIGN } from '../workflows/search-attributes';
import { deliverEvent, signalCancel } from '../services/cadences';
import { requireClient } from './client';
import type { BulkActivities } from '../workflows/contracts';

export interface BulkDeps {
  db: Db;
  /** Absent where a test builds activities without one: these activities then fail clearly. */
  temporal?: Client;
  /** Where cadences run (the worker's own task queue). */
  taskQueue: string;
  keyring: Keyring;
}

const PAGE = 200;
const PARALLEL = 16;

async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export function createBulkActivities({ db, temporal: maybeClient, taskQueue, keyring }: BulkDeps): BulkActivities {
  /**
   * Enrols the next page of an import's contacts (after contact id `after`) and moves the
   * import's cursor. A retried page delivers the same event ids again (the cadence ignores
   * repeats) and counts once: the counters only move while the cursor still equals `after`.
   */
  async function enrolImportPage({ importId, after }: { importId: string; after: string | null }): Promise<{ next: string | null }> {
    const temporal = requireClient(maybeClient);
    const [imp] = await db.select().from(imports).where(eq(imports.id, importId));
    if (!imp?.eventType) return { next: null };
    const page = await db
      .select({ contact: contacts, campaignId: importContacts.campaignId })
      .from(importContacts)
      .innerJoin(contacts, eq(contacts.id, importContacts.contactId))
      .where(and(eq(importContacts.importId, importId), isNotNull(importContacts.campaignId), after ? gt(importContacts.contactId, after) : undefined))
      .orderBy(asc(importContacts.contactId))
      .limit(PAGE);
    const strategies = new Map<string, Awaited<ReturnType<typeof activeStrategy>>>();
    for (const id of new Set(page.map((r) => r.campaignId!))) strategies.set(id, await activeStrategy(db, id));
    // a campaign cancelled since, or a contact opted out, invalid or deleted since, is skipped
    const live = page.filter((r) => {
      const s = strategies.get(r.campaignId!);
      return r.contact.status === 'active' && !r.contact.deletedAt && !!s && s.status !== 'cancelled';
    });
    await inParallel(live, PARALLEL, async ({ contact, campaignId }) => {
      const active = strategies.get(campaignId!)!;
      await deliverEvent({ temporal, taskQueue, keyring }, contact, {
        // one id per (campaign, contact): importing the same list again enrols nobody twice
        id: `enrol:${campaignId}:${contact.id}`,
        type: imp.eventType!,
        campaignId: campaignId!,
        occurredAt: imp.createdAt.getTime(),
        strategy: active.strategy,
        strategyVersion: active.version,
      });
      heartbeat();
    });
    const last = page.at(-1)?.contact.id ?? null;
    const done = page.length < PAGE;
    await db
      .update(imports)
      .set({
        enrolled: sql`${imports.enrolled} + ${live.length}`,
        skipped: sql`${imports.skipped} + ${page.length - live.length}`,
        cursor: last ?? after,
        ...(done ? { status: 'done', finishedAt: new Date() } : {}),
      })
      .where(and(eq(imports.id, importId), after ? eq(imports.cursor, after) : isNull(imports.cursor)));
    return { next: done ? null : last };
  }

  /** Sends `cancel` for the campaign to every running cadence that visibility lists for it. */
  async function signalCampaignCadences({ campaignId }: { campaignId: string }): Promise<number> {
    const temporal = requireClient(maybeClient);
    const query = `${CAMPAIGN.name} = '${campaignId.replace(/'/g, "''")}' AND ExecutionStatus = 'Running'`;
    let n = 0;
    for await (const wf of temporal.workflow.list({ query })) {
      await signalCancel(temporal, wf.workflowId, campaignId);
      n++;
      if (n % 50 === 0) heartbeat(n);
    }
    return n;
  }

  return { enrolImportPage, signalCampaignCadences };
}
