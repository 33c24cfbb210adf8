/**
 * A recording the carrier says is ready (its RecordingStatusCallback, signed by the attempt's
 * line): one workflow per recording fetches it into the recordings store (workflows/recordings.ts),
 * so the webhook answers at once and a failing download is retried for hours.
 */
import type { Client } from '@temporalio/client';
import { RECORDING_SID } from '../domain/recordings';
import { recordingWorkflowId } from '../workflows/constants';
import { keepRecording } from '../workflows/recordings';

export interface RecordingReadyDeps {
  temporal: Client;
  taskQueue: string;
  log: (msg: string, err?: unknown) => void;
}

/**
 * Starts the fetch of a completed recording (a callback repeated later finds the recording stored).
 * Any other status (`absent`, `failed`) is logged and left to the monthly check, which names
 * the attempt recorded without a file. `invalid`: no recording id to act on.
 */
export async function recordingReady(deps: RecordingReadyDeps, input: { attemptId: string; recordingSid?: string; status?: string }): Promise<'started' | 'ignored' | 'invalid'> {
  if (!input.recordingSid || !RECORDING_SID.test(input.recordingSid)) return 'invalid';
  if (input.status !== 'completed') {
    deps.log(`recording ${input.recordingSid} of attempt ${input.attemptId} is ${input.status ?? 'without a status'}: not fetched`);
    return 'ignored';
  }
  await deps.temporal.workflow.start(keepRecording, {
    workflowId: recordingWorkflowId(input.recordingSid),
    taskQueue: deps.taskQueue,
    args: [{ attemptId: input.attemptId, recordingSid: input.recordingSid }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return 'started';
}
