import { and, eq, sql } from 'drizzle-orm';
import { strategySchema, type Strategy, type StrategyInput } from '../../domain/strategy';
import type { Tx } from '../client';
import { campaigns, strategies } from '../schema';

export interface ActiveStrategy {
  campaignId: string;
  status: string;
  version: number;
  strategy: Strategy;
  /** The campaign's own CPS cap, if any (null: its lines' caps only). */
  cps: number | null;
}

export async function activeStrategy(db: Tx, campaignId: string): Promise<ActiveStrategy | null> {
  const [row] = await db
    .select({ campaignId: campaigns.id, status: campaigns.status, version: campaigns.activeStrategyVersion, cps: campaigns.cps, body: strategies.body })
    .from(campaigns)
    .innerJoin(strategies, and(eq(strategies.campaignId, campaigns.id), eq(strategies.version, campaigns.activeStrategyVersion)))
    .where(eq(campaigns.id, campaignId));
  if (!row) return null;
  // stored bodies were validated when written; parsing again applies defaults added since
  return { campaignId: row.campaignId, status: row.status, version: row.version, cps: row.cps, strategy: strategySchema.parse(row.body) };
}

/** Creates a campaign with strategy version 1, unless it exists. */
export async function ensureCampaign(
  db: Tx,
  c: { id: string; name: string; industry?: string | null; strategy: StrategyInput; createdBy: string },
): Promise<void> {
  const body = strategySchema.parse(c.strategy);
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(campaigns)
      .values({ id: c.id, name: c.name, industry: c.industry ?? null, activeStrategyVersion: 1 })
      .onConflictDoNothing()
      .returning({ id: campaigns.id });
    if (inserted.length) await tx.insert(strategies).values({ campaignId: c.id, version: 1, body, createdBy: c.createdBy });
  });
}

export async function campaignWithVersions(db: Tx, id: string) {
  const [c] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  if (!c) return null;
  const versions = await db
    .select({ version: strategies.version, createdBy: strategies.createdBy, createdAt: strategies.createdAt })
    .from(strategies)
    .where(eq(strategies.campaignId, id))
    .orderBy(strategies.version);
  return { ...c, versions };
}

/** Adds an immutable strategy version; activates it unless told not to. Returns the new version. */
export async function addStrategyVersion(db: Tx, campaignId: string, body: Strategy, createdBy: string, activate: boolean): Promise<number> {
  return db.transaction(async (tx) => {
    // the campaign row lock serialises concurrent new versions
    const [c] = await tx.select().from(campaigns).where(eq(campaigns.id, campaignId)).for('update');
    if (!c) throw new Error(`campaign ${campaignId} not found`);
    const [last] = await tx.select({ v: sql<number>`coalesce(max(${strategies.version}), 0)::int` }).from(strategies).where(eq(strategies.campaignId, campaignId));
    const version = (last?.v ?? 0) + 1;
    await tx.insert(strategies).values({ campaignId, version, body, createdBy });
    if (activate) await tx.update(campaigns).set({ activeStrategyVersion: version }).where(eq(campaigns.id, campaignId));
    return version;
  });
}

export async function activateVersion(db: Tx, campaignId: string, version: number): Promise<boolean> {
  const [exists] = await db.select({ v: strategies.version }).from(strategies).where(and(eq(strategies.campaignId, campaignId), eq(strategies.version, version)));
  if (!exists) return false;
  await db.update(campaigns).set({ activeStrategyVersion: version }).where(eq(campaigns.id, campaignId));
  return true;
}

/** The version before the active one (the one a rollback returns to), or null at version 1. */
export async function previousVersion(db: Tx, campaignId: string): Promise<number | null> {
  const [c] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!c) return null;
  const [p] = await db
    .select({ v: sql<number | null>`max(${strategies.version})::int` })
    .from(strategies)
    .where(and(eq(strategies.campaignId, campaignId), sql`${strategies.version} < ${c.activeStrategyVersion}`));
  return p?.v ?? null;
}
