import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { attempts, voicemailDrops } from '../schema';

/**
 * Claims the contact's one voicemail in this campaign for this attempt, in one statement: of two
 * concurrent machine answers only one inserts the row. True when this attempt holds it (also when
 * its TwiML is fetched again: the same call plays the same message).
 */
export async function claimVoicemailDrop(db: Tx, d: { contactId: string; campaignId: string; attemptId: string }): Promise<boolean> {
  const [row] = await db
    .insert(voicemailDrops)
    .values(d)
    // a no-op update so the existing holder comes back: one round trip, no second statement racing
    .onConflictDoUpdate({ target: [voicemailDrops.contactId, voicemailDrops.campaignId], set: { attemptId: sql`${voicemailDrops.attemptId}` } })
    .returning({ attemptId: voicemailDrops.attemptId });
  return row?.attemptId === d.attemptId;
}

/** What a machine answer got: the message left, or a hang-up. */
export async function recordVoicemail(db: Tx, attemptId: string, voicemail: 'left' | 'hung-up') {
  await db.update(attempts).set({ voicemail }).where(eq(attempts.id, attemptId));
}
