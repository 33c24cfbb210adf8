import { and, eq } from 'drizzle-orm';
import { strategySchema, type Strategy, type StrategyInput } from '../../workflows/policy/strategy';
import type { Tx } from '../client';
import { campaigns, strategies } from '../schema';

export interface ActiveStrategy {
  campaignId: string;
  status: string;
  version: number;
  strategy: Strategy;
}

export async function activeStrategy(db: Tx, campaignId: string): Promise<ActiveStrategy | null> {
  const [row] = await db
    .select({ campaignId: campaigns.id, status: campaigns.status, version: campaigns.activeStrategyVersion, body: strategies.body })
    .from(campaigns)
    .innerJoin(strategies, and(eq(strategies.campaignId, campaigns.id), eq(strategies.version, campaigns.activeStrategyVersion)))
    .where(eq(campaigns.id, campaignId));
  if (!row) return null;
  // stored bodies were validated when written; parsing again applies defaults added since
  return { campaignId: row.campaignId, status: row.status, version: row.version, strategy: strategySchema.parse(row.body) };
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
