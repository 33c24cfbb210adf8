import { and, asc, eq, gte } from 'drizzle-orm';
import type { Tx } from '../client';
import { attempts, callTranscripts, campaigns } from '../schema';
import { realTraffic } from './traffic';

/** Every transcript line of real calls reserved since `since`, with the call's campaign and industry, in call and turn order. */
export async function transcriptLinesSince(db: Tx, since: Date) {
  return db
    .select({ attemptId: callTranscripts.attemptId, campaignId: attempts.campaignId, industry: campaigns.industry, turn: callTranscripts.turn, text: callTranscripts.text })
    .from(callTranscripts)
    .innerJoin(attempts, eq(attempts.id, callTranscripts.attemptId))
    .leftJoin(campaigns, eq(campaigns.id, attempts.campaignId))
    .where(and(gte(attempts.reservedAt, since), realTraffic()))
    .orderBy(asc(attempts.reservedAt), asc(callTranscripts.attemptId), asc(callTranscripts.turn));
}
