/**
 * Call recordings, like Twilio's: a call created with Record=true is recorded from its answer to its
 * end; the recording's audio (a WAV of the call's length, 8 kHz mono, bytes that depend on the call)
 * is served at /2010-04-01/Accounts/{AC}/Recordings/{RE} (.wav or no extension; .json for its
 * metadata) and announced to RecordingStatusCallback when it is ready.
 */
import { createHash } from 'node:crypto';
import { post } from './webhooks';
import { one, rfc2822, sidOf } from './wire';
import type { SimCall, SimRecording, SimState } from './state';

/** Real seconds of audio are capped so a long simulated call does not cost megabytes. */
const MAX_AUDIO_SECONDS = 4;
const RATE = 8000;

function wav(seed: string, seconds: number): Buffer {
  const samples = Math.max(1, Math.min(seconds, MAX_AUDIO_SECONDS)) * RATE;
  const data = Buffer.alloc(samples);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < samples; i++) {
    if (i % 32 === 0 && i) block = createHash('sha256').update(block).digest();
    data[i] = block[i % 32]!;
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + samples, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write('data', 36);
  h.writeUInt32LE(samples, 40);
  return Buffer.concat([h, data]);
}

export const recordingUrl = (r: Pick<SimRecording, 'accountSid' | 'sid'>) => `https://api.twilio.com/2010-04-01/Accounts/${r.accountSid}/Recordings/${r.sid}`;

/** At the end of an answered call that asked to be recorded: the recording, and its status callback. */
export async function finishRecording(state: SimState, call: SimCall) {
  if (one(call.params.Record) !== 'true' || !call.startedAt || !call.durationSec) return;
  const rec: SimRecording = { sid: sidOf('RE'), accountSid: call.accountSid, callSid: call.sid, durationSec: call.durationSec, startedAt: call.startedAt, createdAt: Date.now(), audio: wav(call.sid, call.durationSec) };
  state.recordings.set(rec.sid, rec);
  const callback = one(call.params.RecordingStatusCallback);
  if (!callback) return;
  await post(state, call.accountSid, callback, {
    AccountSid: call.accountSid,
    CallSid: call.sid,
    RecordingSid: rec.sid,
    RecordingUrl: recordingUrl(rec),
    RecordingStatus: 'completed',
    RecordingDuration: String(rec.durationSec),
    RecordingChannels: '1',
    RecordingStartTime: rfc2822(rec.startedAt)!,
    RecordingSource: 'OutboundAPI',
    RecordingTrack: 'both',
  });
}

/** The Recording resource as Twilio's API renders it. */
export function recordingJson(r: SimRecording) {
  const uri = `/2010-04-01/Accounts/${r.accountSid}/Recordings/${r.sid}.json`;
  return {
    account_sid: r.accountSid,
    api_version: '2010-04-01',
    call_sid: r.callSid,
    conference_sid: null,
    date_created: rfc2822(r.createdAt),
    date_updated: rfc2822(r.createdAt),
    start_time: rfc2822(r.startedAt),
    duration: String(r.durationSec),
    sid: r.sid,
    price: null,
    price_unit: 'USD',
    status: 'completed',
    channels: 1,
    source: 'OutboundAPI',
    error_code: null,
    uri,
    encryption_details: null,
    subresource_uris: { add_on_results: uri.replace('.json', '/AddOnResults.json'), transcriptions: uri.replace('.json', '/Transcriptions.json') },
    media_url: recordingUrl(r),
  };
}
