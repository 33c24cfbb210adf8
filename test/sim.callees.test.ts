/**
 * The simulator's speaking callees: a number (or one call) given turns answers each <Gather> with
 * the next one, posting SpeechResult and Confidence (or Digits) to the action URL like Twilio,
 * through the real `twilio` client and signed webhooks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import { createCarrier } from '../activities/carrier';
import { listen, type Listening } from '../services/listen';
import { sealLineToken } from '../services/lines';
import { simulatorLines } from '../sim/defaults';
import { createSim, type Sim } from '../sim/server';
import { testKeyring } from './helpers/env';

const line = simulatorLines[1];

describe('simulator: speaking callees', () => {
  let sim: Sim;
  let simServer: Listening;
  let customer: Listening;
  /** What the customer's TwiML endpoint was posted, by path. */
  const posted: Array<{ path: string; params: Record<string, string>; signed: boolean }> = [];

  before(async () => {
    sim = createSim({ accounts: [{ sid: line.accountSid, token: line.authToken }], timeScale: 0.002 });
    simServer = await listen(sim.app.fetch, 0);
    customer = await listen(async (req) => {
      const url = new URL(req.url);
      const params = Object.fromEntries(new URLSearchParams(await req.text()));
      const signed = twilio.validateRequest(line.authToken, req.headers.get('x-twilio-signature') ?? '', `${customer.url}${url.pathname}`, params);
      posted.push({ path: url.pathname, params, signed });
      const turn = Number(url.pathname.split('/').pop());
      const gather = url.pathname.startsWith('/keys')
        ? `<Gather input="dtmf" numDigits="1" timeout="3" action="/keys/${turn + 1}"><Say>Press 1</Say></Gather>`
        : `<Gather input="speech" timeout="3" action="/turn/${turn + 1}" actionOnEmptyResult="true"><Say>Turn ${turn}</Say></Gather>`;
      return new Response(`<?xml version="1.0"?><Response>${turn < 3 ? gather : '<Say>Bye</Say><Hangup/>'}</Response>`, { headers: { 'content-type': 'text/xml' } });
    }, 0);
  });
  after(async () => {
    await sim.idle();
    sim.close();
    await Promise.all([simServer.close(), customer.close()]);
  });

  const client = () => createCarrier({ apiBaseUrl: simServer.url, keyring: testKeyring() }).client({ id: line.id, accountSid: line.accountSid, authToken: sealLineToken(testKeyring(), line.authToken) } as never);
  const control = (path: string, body: unknown) => fetch(`${simServer.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('a number given turns says them in order to speech Gathers, then stays silent', async () => {
    const to = '+8613800138007';
    const res = await control('/sim/callees', { number: to, turns: ['这个课程多少钱', { say: 'can I take a trial class', confidence: 0.71 }] });
    assert.equal(res.status, 200);
    const call = await client().calls.create({ to, from: line.fromNumber, url: `${customer.url}/turn/0` });
    await sim.idle();
    const turns = posted.filter((p) => p.params.CallSid === call.sid);
    assert.deepEqual(turns.map((p) => p.path), ['/turn/0', '/turn/1', '/turn/2', '/turn/3']);
    assert.deepEqual(turns.slice(1).map((p) => [p.params.SpeechResult, p.params.Confidence]), [['这个课程多少钱', '0.9'], ['can I take a trial class', '0.71'], [undefined, undefined]]);
    assert.ok(turns.every((p) => p.signed), 'every webhook is signed with the account token');
    const simCall = sim.calls.get(call.sid)!;
    assert.equal(simCall.status, 'completed');
    assert.deepEqual(simCall.speech, ['这个课程多少钱', 'can I take a trial class']);
    assert.deepEqual(simCall.said, ['Turn 0', 'Turn 1', 'Turn 2', 'Bye']);
  });

  test('a prefix scripts every number under it; speech to a keys-only Gather goes unheard, the keys that follow answer it', async () => {
    assert.equal((await control('/sim/callees', { number: '+861390000*', turns: ['hello?', { press: '1' }] })).status, 200);
    assert.equal((await control('/sim/callees', { number: '+86139', turns: 'not a list' })).status, 400);
    const call = await client().calls.create({ to: '+8613900001237', from: line.fromNumber, url: `${customer.url}/keys/0` });
    await sim.idle();
    const turns = posted.filter((p) => p.params.CallSid === call.sid);
    assert.deepEqual(turns.map((p) => [p.path, p.params.Digits, p.params.SpeechResult]), [['/keys/0', undefined, undefined], ['/keys/1', '1', undefined]]);
    assert.deepEqual(sim.calls.get(call.sid)!.speech, ['hello?'], 'the speech was said, unheard by the keys-only menu');
  });

  test('one call can be given its turns while it rings', async () => {
    const to = '+8613800138017';
    // a slower clock: the call rings for ~0.2 s real, time enough to give it turns
    await control('/sim/config', { timeScale: 0.05 });
    const call = await client().calls.create({ to, from: line.fromNumber, url: `${customer.url}/turn/0` });
    assert.equal((await control(`/sim/calls/${call.sid}/callee`, { turns: ['别再给我打电话了'] })).status, 200);
    await control('/sim/config', { timeScale: 0.002 });
    await sim.idle();
    const turns = posted.filter((p) => p.params.CallSid === call.sid);
    assert.equal(turns[1]?.params.SpeechResult, '别再给我打电话了');
  });
});

describe('simulator: recordings', () => {
  test('a call created with Record=true is recorded: RecordingStatusCallback, then the audio and its metadata at the Recording URL', async () => {
    const sim = createSim({ accounts: [{ sid: line.accountSid, token: line.authToken }], timeScale: 0.002 });
    const simServer = await listen(sim.app.fetch, 0);
    const callbacks: Array<Record<string, string>> = [];
    const customer = await listen(async (req) => {
      const params = Object.fromEntries(new URLSearchParams(await req.text()));
      if (new URL(req.url).pathname === '/recording') callbacks.push(params);
      return new Response('<Response><Say>Hello, this call is recorded</Say><Pause length="5"/></Response>', { headers: { 'content-type': 'text/xml' } });
    }, 0);
    try {
      const client = createCarrier({ apiBaseUrl: simServer.url, keyring: testKeyring() }).client({ id: line.id, accountSid: line.accountSid, authToken: sealLineToken(testKeyring(), line.authToken) } as never);
      const recorded = await client.calls.create({ to: '+8613800138027', from: line.fromNumber, url: `${customer.url}/voice`, record: true, recordingStatusCallback: `${customer.url}/recording` });
      const notRecorded = await client.calls.create({ to: '+8613800138037', from: line.fromNumber, url: `${customer.url}/voice` });
      await sim.idle();
      assert.equal(callbacks.length, 1);
      const cb = callbacks[0]!;
      assert.equal(cb.CallSid, recorded.sid);
      assert.equal(cb.RecordingStatus, 'completed');
      assert.match(cb.RecordingUrl!, new RegExp(`^https://api\\.twilio\\.com/2010-04-01/Accounts/${line.accountSid}/Recordings/RE[0-9a-f]{32}$`));
      assert.ok(Number(cb.RecordingDuration) > 0);
      assert.ok(![...sim.recordings.values()].some((r) => r.callSid === notRecorded.sid));
      // the bytes, with the account's credentials, from the simulator standing in for api.twilio.com
      const path = new URL(cb.RecordingUrl!).pathname;
      const auth = { authorization: `Basic ${Buffer.from(`${line.accountSid}:${line.authToken}`).toString('base64')}` };
      const audio = await fetch(`${simServer.url}${path}.wav`, { headers: auth });
      assert.equal(audio.status, 200);
      assert.equal(audio.headers.get('content-type'), 'audio/x-wav');
      const bytes = Buffer.from(await audio.arrayBuffer());
      assert.equal(bytes.subarray(0, 4).toString(), 'RIFF');
      assert.ok(bytes.equals(sim.recordings.get(cb.RecordingSid!)!.audio));
      const meta = (await client.recordings(cb.RecordingSid!).fetch()).toJSON() as { callSid: string; duration: string; status: string };
      assert.deepEqual([meta.callSid, meta.duration, meta.status], [recorded.sid, cb.RecordingDuration, 'completed']);
      assert.equal((await fetch(`${simServer.url}${path}.wav`)).status, 401, 'no credentials, no audio');
    } finally {
      sim.close();
      await Promise.all([simServer.close(), customer.close()]);
    }
  });
});
