/**
 * A recording the carrier has ready, fetched into the recordings store: one workflow per
 * recording (started by its RecordingStatusCallback, services/recordings.ts), so a carrier or disk
 * that fails for a while is retried with backoff for hours, not lost with the webhook.
 */
import { proxyActivities } from '@temporalio/workflow';
import { RecordingFailure } from './constants';
import type { RecordingActivities, RecordingRequest, StoredRecording } from './contracts';

/** A download is seconds; retried from 5 s up to every 10 min for about 8 hours (the carrier keeps recordings far longer). */
const acts = proxyActivities<RecordingActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 55, nonRetryableErrorTypes: Object.values(RecordingFailure) },
});

export async function keepRecording(input: RecordingRequest): Promise<StoredRecording> {
  return acts.fetchRecording(input);
}
