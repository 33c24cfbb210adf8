/**
 * Hand-offs: leads whose first-contact deadline could not be kept and whose strategy says "give
 * it to a person" (`onDeadlineMissed: 'hand-off'`). The cadence stops that follow-up; here
 * someone picks the lead up (the contact's id leads to its number for operators) and marks it done.
 */
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { listHandoffs, markHandoffHandled, type DeadlineMissRow } from '../db/queries/deadlines';
import { notFound } from './errors';

export interface HandoffDeps {
  db: Db;
  tenant: string;
}

export interface HandoffView {
  id: number;
  contactId: string;
  campaignId: string;
  trigger: string;
  deadlineAt: string;
  reason: string;
  missedAt: string;
  handledAt: string | null;
  handledBy: string | null;
}

const view = (r: DeadlineMissRow): HandoffView => ({
  id: r.id,
  contactId: r.contactId,
  campaignId: r.campaignId,
  trigger: r.trigger,
  deadlineAt: r.deadlineAt.toISOString(),
  reason: r.reason,
  missedAt: r.createdAt.toISOString(),
  handledAt: r.handledAt?.toISOString() ?? null,
  handledBy: r.handledBy,
});

export async function handoffs(deps: HandoffDeps, opts: { open: boolean; limit: number }): Promise<HandoffView[]> {
  return (await listHandoffs(deps.db, deps.tenant, opts)).map(view);
}

export async function completeHandoff(deps: HandoffDeps, input: { id: number; actor: string }): Promise<HandoffView> {
  return deps.db.transaction(async (tx) => {
    const row = await markHandoffHandled(tx, deps.tenant, input.id, input.actor);
    if (!row) throw notFound(`No open hand-off ${input.id}.`);
    await audit(tx, { actor: input.actor, action: 'handoff.done', target: String(row.id), after: { contactId: row.contactId, campaignId: row.campaignId } });
    return view(row);
  });
}
