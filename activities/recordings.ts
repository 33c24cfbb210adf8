/**
 * The recordings store: a call's recording, once the carrier says it is ready, fetched from the
 * carrier (the Recording resource through the `twilio` client, its audio over HTTP with the
 * line's credentials) into a directory of files named by the recording id, with its checksum,
 * size, duration and when it may be purged (domain/recordings.ts). Safe to retry: the file is
 * written whole under a temporary name and renamed, the row inserted once.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client';
import { attemptWithStrategy } from '../db/queries/attempts';
import { lineById } from '../db/queries/lines';
import { insertRecording, recordingBySid } from '../db/queries/recordings';
import { purgeAfter, RECORDING_SID, recordingFile, retentionDays } from '../domain/recordings';
import { RecordingFailure } from '../workflows/constants';
import type { RecordingActivities, RecordingRequest, StoredRecording } from '../workflows/contracts';
import { CarrierHttpError, twilioErrorCode, type Carrier } from './carrier';

export interface RecordingDeps {
  db: Db;
  carrier: Carrier;
  /** The recordings store (REDIAL_RECORDINGS_DIR); absent: nothing can be stored. */
  recordingsDir?: string;
}

/** A file being written: never counted as a recording (the monthly check ignores it). */
export const PARTIAL_SUFFIX = '.partial';

export const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The sha256 of a stored file, read as a stream (recordings may be large). */
export async function sha256OfFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

const stored = (r: { id: string; bytes: number; sha256: string; purgeAfter: Date }): StoredRecording => ({ recordingId: r.id, bytes: r.bytes, sha256: r.sha256, purgeAfter: r.purgeAfter.getTime() });

/** Fetches a recording of an attempt's call from the carrier into the store; a recording stored before is answered as it is. */
export async function storeRecording(deps: RecordingDeps, { attemptId, recordingSid }: RecordingRequest): Promise<StoredRecording> {
  const { db, carrier } = deps;
  const dir = deps.recordingsDir;
  if (!dir) throw ApplicationFailure.nonRetryable('this worker has no recordings store (REDIAL_RECORDINGS_DIR)', RecordingFailure.noStore);
  if (!RECORDING_SID.test(recordingSid)) throw ApplicationFailure.nonRetryable('not a recording id', RecordingFailure.notFound);
  const known = await recordingBySid(db, recordingSid);
  if (known) return stored(known);
  const row = await attemptWithStrategy(db, attemptId);
  const line = row?.attempt.lineId ? await lineById(db, row.attempt.lineId) : null;
  if (!row || !line || !row.attempt.providerSid) throw ApplicationFailure.nonRetryable(`attempt ${attemptId}, its campaign or its line not found`, RecordingFailure.notFound);

  const meta = await carrier
    .client(line)
    .recordings(recordingSid)
    .fetch()
    .catch((err: unknown) => {
      throw twilioErrorCode(err) === 20404 ? ApplicationFailure.nonRetryable(`the carrier has no recording ${recordingSid}`, RecordingFailure.notFound) : err;
    });
  // the callback names the attempt in its URL; the carrier says which call the recording is of
  if (meta.callSid !== row.attempt.providerSid) throw ApplicationFailure.nonRetryable(`recording ${recordingSid} is not of attempt ${attemptId}'s call`, RecordingFailure.notFound);
  const audio = await carrier.download(line, `${meta.mediaUrl}.wav`).catch((err: unknown) => {
    throw err instanceof CarrierHttpError && err.status === 404 ? ApplicationFailure.nonRetryable(err.message, RecordingFailure.notFound) : err;
  });

  const file = recordingFile(recordingSid);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const partial = path.join(dir, `${file}${PARTIAL_SUFFIX}`);
  const fh = await open(partial, 'w', 0o600);
  try {
    await fh.writeFile(audio);
    // on disk before it is named: a recording is a compliance record
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(partial, path.join(dir, file));

  const industry = row.industry ?? row.contact.industry ?? null;
  const days = retentionDays(row.strategy.recording.retentionDays, industry);
  const started = meta.startTime instanceof Date && !Number.isNaN(meta.startTime.getTime()) ? meta.startTime : (row.attempt.placedAt ?? new Date());
  const duration = Number(meta.duration);
  const r = await insertRecording(db, {
    recordingSid,
    attemptId,
    campaignId: row.attempt.campaignId,
    industry,
    file,
    sha256: sha256Of(audio),
    bytes: audio.length,
    durationSec: Number.isFinite(duration) ? Math.round(duration) : null,
    retentionDays: days,
    recordedAt: started,
    purgeAfter: new Date(purgeAfter(started.getTime(), days)),
  });
  return stored(r);
}

export function createRecordingActivities(deps: RecordingDeps): RecordingActivities {
  return { fetchRecording: (req) => storeRecording(deps, req) };
}
