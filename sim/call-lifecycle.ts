/**
 * A call from creation to its end: the network's progress (initiated, ringing, answered), the
 * callee's behaviour, the TwiML it fetches and executes, and the signed status callbacks it posts.
 */
import { HungUp, step } from './clock';
import { calleeFor, QUESTIONS, type Callee } from './outcomes';
import { profileOf, track, type SimCall, type SimState } from './state';
import { finishRecording } from './recordings';
import { parseTwiml, type Verb } from './twiml';
import { post, TWIML_FETCH } from './webhooks';
import { one, rfc2822 } from './wire';

export async function runCall(state: SimState, call: SimCall) {
  const p = call.params;
  const profile = profileOf(state, call.from);
  const events = ([] as string[]).concat(p.StatusCallbackEvent ?? []).flatMap((e) => e.split(' '));
  const callbackUrl = one(p.StatusCallback);
  const held: Array<Record<string, string>> = [];
  let seq = 0;
  const base = () => ({ AccountSid: call.accountSid, CallSid: call.sid, From: call.from, To: call.to, Direction: 'outbound-api', ApiVersion: '2010-04-01' });
  // status callbacks leave in order but on their own: a slow or restarting customer API delays
  // them (each is retried for the webhook window), never the call itself
  let outbox: Promise<unknown> = Promise.resolve();
  const send = (params: Record<string, string>) => {
    // a delay counts from when the status happened, not from when the callback before it left
    const dueAt = Date.now() + profileOf(state, call.from).callbackDelayMs;
    outbox = track(
      state,
      outbox.then(async () => {
        if (dueAt > Date.now()) await new Promise((r) => setTimeout(r, dueAt - Date.now()));
        await post(state, call.accountSid, callbackUrl!, params);
        if (Math.random() < profile.duplicateRate) await post(state, call.accountSid, callbackUrl!, params);
      }),
    );
  };
  const emit = (event: string, status: string, extra: Record<string, string> = {}) => {
    call.events.push({ status, sequence: seq, at: Date.now() });
    if (!callbackUrl || (event !== 'completed' && !events.includes(event))) {
      seq++;
      return;
    }
    const params = { ...base(), CallStatus: status, SequenceNumber: String(seq++), Timestamp: rfc2822(Date.now())!, CallbackSource: 'call-progress-events', ...extra };
    if (profile.reorder) held.push(params);
    else send(params);
  };
  const end = (status: string, extra: Record<string, string> = {}) => {
    call.status = status;
    call.endedAt = Date.now();
    const virtual = call.startedAt ? Math.max(1, Math.round((call.endedAt - call.startedAt) / 1000 / state.timeScale)) : 0;
    call.durationSec = virtual;
    emit('completed', status, {
      CallDuration: String(virtual),
      Duration: String(Math.ceil(virtual / 60)),
      ...(call.answeredBy ? { AnsweredBy: call.answeredBy } : {}),
      ...(call.sipResponseCode ? { SipResponseCode: String(call.sipResponseCode) } : {}),
      ...extra,
    });
    for (const params of held.reverse()) send(params);
    // the recording is ready after the call ends, its callback on its own like Twilio's
    void track(state, finishRecording(state, call));
  };

  try {
    call.status = 'initiated';
    call.dialledAt = Date.now();
    emit('initiated', 'initiated');
    await step(state, call, 0.5);
    if (call.refusedBy) {
      call.sipResponseCode = call.refusedBy === 'unreachable' ? 480 : 503;
      return end('failed');
    }
    const callee: Callee = call.script ? { kind: 'scripted' } : calleeFor(call.to);
    if (callee.kind === 'nonexistent') {
      call.sipResponseCode = 404;
      return end('failed');
    }
    call.status = 'ringing';
    emit('ringing', 'ringing');
    if (callee.kind === 'busy') {
      await step(state, call, 2);
      call.sipResponseCode = 486;
      return end('busy');
    }
    if (callee.kind === 'no-answer') {
      await step(state, call, Number(one(p.Timeout) ?? 60));
      call.sipResponseCode = 487;
      return end('no-answer');
    }
    await step(state, call, 4);
    call.status = 'in-progress';
    call.startedAt = Date.now();
    call.sipResponseCode = 200;
    if (one(p.MachineDetection)) call.answeredBy = callee.kind === 'machine' ? 'machine_start' : 'human';
    emit('answered', 'in-progress', call.answeredBy ? { AnsweredBy: call.answeredBy } : {});
    const talk = callee.kind === 'listens' ? 20 + Math.random() * 100 : 0;
    const hangupAt = call.startedAt + talk * 1000 * state.timeScale;
    try {
      await execute(state, call, one(p.Url)!, one(p.Method) ?? 'POST', callee);
    } catch (err) {
      if (err instanceof HungUp) throw err;
      state.log(`sim: TwiML for ${call.sid} failed: ${(err as Error).message}`);
    }
    const left = hangupAt - Date.now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    return end('completed');
  } catch (err) {
    if (!(err instanceof HungUp)) throw err;
    return end(call.hangup!);
  }
}

/** Fetches the call's TwiML and plays it, following Gather, Record and Redirect to the next document. */
async function execute(state: SimState, call: SimCall, firstUrl: string, method: string, callee: Callee) {
  let inputGiven = false;
  const voiceParams = (extra: Record<string, string> = {}) => ({
    AccountSid: call.accountSid,
    CallSid: call.sid,
    From: call.from,
    To: call.to,
    CallStatus: call.status,
    Direction: 'outbound-api',
    ApiVersion: '2010-04-01',
    ...(call.answeredBy ? { AnsweredBy: call.answeredBy } : {}),
    ...extra,
  });
  const fetchDoc = async (url: string, extra: Record<string, string> = {}): Promise<Verb[]> => {
    if (method.toUpperCase() === 'GET') throw new Error('only POST webhooks are simulated');
    const res = await post(state, call.accountSid, url, voiceParams(extra), TWIML_FETCH);
    if (!res || !res.ok) throw new Error(`TwiML fetch ${url} answered ${res?.status ?? 'nothing'}`);
    return parseTwiml(await res.text());
  };
  const speak = (v: Verb) => {
    if (v.name === 'Say') call.said.push(v.text);
    return v.name === 'Say' ? step(state, call, Math.max(1, v.text.split(/\s+/).length * 0.4)) : v.name === 'Play' ? step(state, call, 3) : v.name === 'Pause' ? step(state, call, Number(v.attrs.length ?? 1)) : undefined;
  };
  /**
   * A speaking callee hears the prompt out, then says (or presses) its turns: what the Gather cannot
   * hear (speech to a keys-only menu, keys to a speech-only one) goes unheard and the callee goes on
   * with its next turn; silence, or no turn left, lets the Gather time out.
   */
  const scriptedTurn = async (v: Verb, action: string, wantsSpeech: boolean): Promise<{ url: string; extra: Record<string, string> } | null> => {
    for (const child of v.children) await speak(child);
    const wantsKeys = (v.attrs.input ?? 'dtmf').includes('dtmf');
    for (let turn = call.script!.shift(); turn && !('silence' in turn); turn = call.script!.shift()) {
      await step(state, call, 1);
      if ('say' in turn) {
        call.speech.push(turn.say);
        if (wantsSpeech) return { url: action, extra: { SpeechResult: turn.say, Confidence: String(turn.confidence ?? 0.9) } };
      } else {
        call.digits.push(turn.press);
        if (wantsKeys) return { url: action, extra: { Digits: turn.press } };
      }
    }
    await step(state, call, Number(v.attrs.timeout ?? 5));
    return v.attrs.actionOnEmptyResult === 'true' ? { url: action, extra: {} } : null;
  };
  let url = firstUrl;
  let doc = await fetchDoc(url);
  for (let guard = 0; guard < 50; guard++) {
    let next: { url: string; extra: Record<string, string> } | null = null;
    for (const v of doc) {
      if (v.name === 'Hangup' || v.name === 'Reject') return;
      if (v.name === 'Redirect') {
        next = { url: new URL(v.text, url).toString(), extra: {} };
        break;
      }
      if (v.name === 'Gather') {
        const action = new URL(v.attrs.action ?? url, url).toString();
        const wantsSpeech = (v.attrs.input ?? 'dtmf').includes('speech');
        // turns given to the call while it rang count as much as turns given to its number
        if (call.script) {
          next = await scriptedTurn(v, action, wantsSpeech);
          if (next) break;
          continue;
        }
        const human = callee.kind === 'presses' || callee.kind === 'speaks';
        if (human && !inputGiven) {
          inputGiven = true;
          await step(state, call, 1);
          if (callee.kind === 'presses') {
            call.digits.push(callee.digits);
            next = { url: action, extra: { Digits: callee.digits } };
          } else {
            const q = QUESTIONS[Math.floor(Math.random() * QUESTIONS.length)]!;
            call.speech.push(q);
            next = wantsSpeech ? { url: action, extra: { SpeechResult: q, Confidence: '0.92' } } : null;
          }
          if (next) break;
        }
        for (const child of v.children) await speak(child);
        await step(state, call, Number(v.attrs.timeout ?? 5));
        if (v.attrs.actionOnEmptyResult === 'true') {
          next = { url: action, extra: {} };
          break;
        }
        continue;
      }
      if (v.name === 'Record') {
        await step(state, call, Math.min(Number(v.attrs.maxLength ?? 10), 10));
        if (v.attrs.action) {
          next = { url: new URL(v.attrs.action, url).toString(), extra: { RecordingUrl: `https://sim.invalid/rec/${call.sid}`, RecordingDuration: '5' } };
          break;
        }
        continue;
      }
      await speak(v);
    }
    if (!next) return;
    url = next.url;
    doc = await fetchDoc(url, next.extra);
  }
}
