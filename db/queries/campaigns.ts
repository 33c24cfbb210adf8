import { and, eq, ne, sql } from 'drizzle-orm';
import type { ScriptMode } from '../../domain/script';
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

/**
 * One strategy version of a campaign with the campaign's own settings: what an attempt reserved
 * under that version plays, whatever is active now. Null when the campaign or version is gone.
 */
export async function strategyVersionOf(db: Tx, campaignId: string, version: number) {
  const [row] = await db
    .select({ campaignId: campaigns.id, industry: campaigns.industry, scriptMode: campaigns.scriptMode, cps: campaigns.cps, body: strategies.body })
    .from(campaigns)
    .innerJoin(strategies, and(eq(strategies.campaignId, campaigns.id), eq(strategies.version, version)))
    .where(eq(campaigns.id, campaignId));
  if (!row) return null;
  return { ...row, version, scriptMode: row.scriptMode as ScriptMode, strategy: strategySchema.parse(row.body) };
}

/** Sets the campaign's script mode; the mode before, or null when there is no such campaign. */
export async function writeScriptMode(db: Tx, id: string, mode: ScriptMode): Promise<ScriptMode | null> {
  const c = await lockCampaign(db, id);
  if (!c) return null;
  if (c.scriptMode !== mode) await db.update(campaigns).set({ scriptMode: mode }).where(eq(campaigns.id, id));
  return c.scriptMode as ScriptMode;
}

/** Creates a campaign with strategy version 1, unless it exists. True when this call created it. */
export async function ensureCampaign(
  db: Tx,
  c: { id: string; name: string; industry?: string | null; strategy: StrategyInput; createdBy: string },
): Promise<boolean> {
  const body = strategySchema.parse(c.strategy);
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(campaigns)
      .values({ id: c.id, name: c.name, industry: c.industry ?? null, activeStrategyVersion: 1 })
      .onConflictDoNothing()
      .returning({ id: campaigns.id });
    if (inserted.length) await tx.insert(strategies).values({ campaignId: c.id, version: 1, body, createdBy: c.createdBy });
    return inserted.length > 0;
  });
}

/** Every campaign's id, in id order. */
export async function campaignIds(db: Tx): Promise<string[]> {
  return (await db.select({ id: campaigns.id }).from(campaigns).orderBy(campaigns.id)).map((r) => r.id);
}

/**
 * The campaign's row, locked until the transaction ends: changes to one campaign (a PATCH, an
 * incident lowering its CPS, a rollback from the API and one from an incident) take turns.
 */
export async function lockCampaign(tx: Tx, id: string) {
  const [c] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
  return c ?? null;
}

/** Changes a campaign's name and/or its own CPS cap; the row after, or null when there is no such campaign. */
export async function updateCampaign(db: Tx, id: string, change: { name?: string; cps?: number | null }) {
  const set = { ...(change.name !== undefined ? { name: change.name } : {}), ...(change.cps !== undefined ? { cps: change.cps } : {}) };
  if (!Object.keys(set).length) return (await db.select().from(campaigns).where(eq(campaigns.id, id)))[0] ?? null;
  const [after] = await db.update(campaigns).set(set).where(eq(campaigns.id, id)).returning();
  return after ?? null;
}

export type CampaignStatus = 'active' | 'paused' | 'cancelled';

/**
 * Sets a campaign's status in one update, whose row says whether the campaign exists and may
 * change: a cancelled campaign stays cancelled (cancelling it again matches). False when no row
 * matched (no such campaign, or it is cancelled).
 */
export async function setCampaignStatus(db: Tx, id: string, status: CampaignStatus): Promise<boolean> {
  const changed = await db
    .update(campaigns)
    .set({ status })
    .where(and(eq(campaigns.id, id), status === 'cancelled' ? undefined : ne(campaigns.status, 'cancelled')))
    .returning({ id: campaigns.id });
  return changed.length > 0;
}

export async function campaignExists(db: Tx, id: string): Promise<boolean> {
  const [row] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, id));
  return !!row;
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

/**
 * Campaigns that are not cancelled, with their industry, active strategy (parsed: defaults added
 * since apply) and when that version was written: what the routines check.
 */
export async function liveCampaignStrategies(db: Tx) {
  const rows = await db
    .select({ campaignId: campaigns.id, industry: campaigns.industry, version: campaigns.activeStrategyVersion, body: strategies.body, versionCreatedAt: strategies.createdAt })
    .from(campaigns)
    .innerJoin(strategies, and(eq(strategies.campaignId, campaigns.id), eq(strategies.version, campaigns.activeStrategyVersion)))
    .where(ne(campaigns.status, 'cancelled'))
    .orderBy(campaigns.id);
  return rows.map(({ body, ...r }) => ({ ...r, strategy: strategySchema.parse(body) }));
}
