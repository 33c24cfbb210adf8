/**
 * A call answered by a machine: with `answeringMachine: 'voicemail'` the first such call for the
 * contact in the campaign leaves the message (claimed atomically in voicemail_drops), every other
 * one hangs up; the other strategies always hang up. Recorded on the attempt either way. The
 * cadence is told nothing new: the call's outcome is still `machine` (domain/outcomes.ts).
 */
import type { Db } from '../db/client';
import { attemptWithStrategy } from '../db/queries/attempts';
import { claimVoicemailDrop, recordVoicemail } from '../db/queries/voicemail';
import { voicemailScript, wantsVoicemail, type VoicemailScript } from '../domain/voicemail';

export async function machineAnswered(deps: { db: Db }, input: { attemptId: string }): Promise<VoicemailScript | null> {
  const row = await attemptWithStrategy(deps.db, input.attemptId);
  if (!row) return null;
  const { attempt, strategy } = row;
  const leave =
    wantsVoicemail(strategy) && (await claimVoicemailDrop(deps.db, { contactId: attempt.contactId, campaignId: attempt.campaignId, attemptId: attempt.id }));
  await recordVoicemail(deps.db, attempt.id, leave ? 'left' : 'hung-up');
  return leave ? voicemailScript(strategy) : null;
}
