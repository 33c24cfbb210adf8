import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../client';
import { lines } from '../schema';

const tierOrder = ['premium', 'standard', 'backup'] as const;

/** The line for a call: the wanted tier when one is active, else the next tier down, else any active line. */
export async function pickLine(db: Tx, tier: string) {
  const active = await db.select().from(lines).where(eq(lines.state, 'active')).orderBy(asc(lines.id));
  const start = Math.max(0, tierOrder.indexOf(tier as (typeof tierOrder)[number]));
  for (const t of tierOrder.slice(start)) {
    const l = active.find((x) => x.tier === t);
    if (l) return l;
  }
  return active[0] ?? null;
}

export async function lineById(db: Tx, id: string) {
  const [row] = await db.select().from(lines).where(eq(lines.id, id));
  return row ?? null;
}

export async function lineByAccount(db: Tx, accountSid: string) {
  const [row] = await db.select().from(lines).where(and(eq(lines.accountSid, accountSid)));
  return row ?? null;
}

export async function ensureLines(db: Tx, ls: Array<typeof lines.$inferInsert>) {
  if (ls.length) await db.insert(lines).values(ls).onConflictDoNothing();
}
