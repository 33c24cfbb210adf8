import type { Tx } from '../client';
import { auditLog } from '../schema';

/** One row per mutating call: who, what, on what, and the state before and after where it applies. */
export async function audit(db: Tx, e: { actor: string; action: string; target?: string; before?: unknown; after?: unknown }) {
  await db.insert(auditLog).values({ actor: e.actor, action: e.action, target: e.target ?? null, before: e.before ?? null, after: e.after ?? null });
}
