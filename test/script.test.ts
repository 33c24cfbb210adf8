/**
 * The script engine, pure: given a strategy's script, the turn and a classification, the next
 * action and its TwiML. Any classifier will do here (a table of sentences → intents), which is the
 * point: the engine is a function of what the classifier said, never of how it said it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestedCallbackTime } from '../domain/callback-time';
import { openingTwiml, turnTwiml } from '../domain/call-twiml';
import { effectiveScript, keyTurn, speechTurn, type Classification, type TurnContext } from '../domain/script';
import { strategySchema } from '../domain/strategy';

const SHANGHAI = 'Asia/Shanghai';
/** 2026-12-02 10:00 in Shanghai (02:00Z), a Wednesday. */
const NOW = Date.parse('2026-12-02T02:00:00Z');
const ctx = (turn = 1, previousIntent: string | null = null): TurnContext => ({ turn, now: NOW, timeZone: SHANGHAI, previousIntent });

/** A stand-in classifier: the engine only sees its answers. */
const table: Record<string, Classification> = {
  '课程价格是多少': { intent: 'course_price', confidence: 0.93 },
  '别再给我打电话了': { intent: 'opt_out', confidence: 0.97 },
  '转人工': { intent: 'human_agent', confidence: 0.9 },
  '嗯嗯那个': { intent: 'unknown', confidence: 0.2 },
  '明天下午三点再打给我': { intent: 'callback_later', confidence: 0.88 },
  '打错了': { intent: 'wrong_number', confidence: 0.95 },
};
const classify = (text: string) => table[text]!;

describe('the script engine', () => {
  const strategy = strategySchema.parse({ announcement: { text: '您好，这里是某某教育。', language: 'zh-CN' }, script: { links: { booking: 'https://book.example/trial' } } });
  const script = effectiveScript(strategy.script, strategy.announcement.language, 'education');

  test('old strategies parse: the script is additive, with defaults', () => {
    const s = strategySchema.parse({ maxAttempts: 3 });
    assert.deepEqual(s.script, { maxTurns: 3, handOverNumber: null, links: {}, callbackDelayMinutes: 120, steps: {} });
  });

  test('a price question gets the education answer, in Chinese, and the booking link by text; the call listens on', () => {
    const a = speechTurn(script, ctx(), classify('课程价格是多少'), '课程价格是多少');
    assert.equal(a.intent, 'course_price');
    assert.match(a.say[0]!, /价格表/);
    assert.equal(a.sms, '课程价格及免费试听预约：https://book.example/trial');
    assert.equal(a.next, 'listen');
    const xml = turnTwiml(a, 'zh-CN', 'https://api.example/twilio/gather/a1?turn=2');
    assert.match(xml, /<Say language="zh-CN">课程费用.*<\/Say><Gather input="dtmf speech"[^>]*action="https:\/\/api.example\/twilio\/gather\/a1\?turn=2"/);
  });

  test('without the link the default step says its no-link words and texts nothing', () => {
    const bare = effectiveScript(strategySchema.parse({}).script, 'en-US', 'education');
    const a = speechTurn(bare, ctx(), { intent: 'trial_class', confidence: 0.9 }, 'can I try a class');
    assert.equal(a.sms, null);
    assert.match(a.say[0]!, /advisor will call you to book/);
    assert.equal(a.mark, 'interested');
  });

  test('the strategy’s own step replaces the default; a text naming a link that is not set is refused at save', () => {
    const s = strategySchema.parse({ script: { links: { booking: 'https://b.example' }, steps: { course_price: { say: 'It is 99 a month.', sms: 'See {booking}', then: 'end' } } } });
    const a = speechTurn(effectiveScript(s.script, 'en-US', 'education'), ctx(), { intent: 'course_price', confidence: 0.9 }, 'price?');
    assert.deepEqual([a.say, a.sms, a.next], [['It is 99 a month.'], 'See https://b.example', 'hang-up']);
    const bad = strategySchema.safeParse({ script: { steps: { course_price: { sms: 'See {booking}' } } } });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues[0]!.path, ['script', 'steps', 'course_price', 'sms']);
  });

  test('an opt-out utterance opts out and ends the call politely', () => {
    const a = speechTurn(script, ctx(2), classify('别再给我打电话了'), '别再给我打电话了');
    assert.equal(a.optOut, true);
    assert.equal(a.next, 'hang-up');
    assert.match(turnTwiml(a, 'zh-CN', 'x'), /<Say language="zh-CN">我们不会再给您打电话，再见。<\/Say><Hangup\/>/);
  });

  test('a callback is at the time asked for, in the person’s zone; without a time, after the script’s delay', () => {
    const a = speechTurn(script, ctx(), classify('明天下午三点再打给我'), '明天下午三点再打给我');
    assert.equal(new Date(a.callbackAt!).toISOString(), '2026-12-03T07:00:00.000Z');
    const later = speechTurn(script, ctx(), { intent: 'callback_later', confidence: 0.8 }, '现在不方便');
    assert.equal(later.callbackAt, NOW + 120 * 60_000);
  });

  test('asking for a person right after a misunderstanding is flagged; with a hand-over number the call is dialled through', () => {
    const unknown = speechTurn(script, ctx(1), classify('嗯嗯那个'), '嗯嗯那个');
    assert.equal(unknown.intent, 'unknown');
    assert.equal(unknown.next, 'listen');
    const human = speechTurn(script, ctx(2, 'unknown'), classify('转人工'), '转人工');
    assert.equal(human.humanAfterMisunderstanding, true);
    assert.equal(human.dial, null, 'no hand-over number: a callback instead');
    assert.ok(human.callbackAt);
    const withLine = effectiveScript(strategySchema.parse({ script: { handOverNumber: '+8613800000000' } }).script, 'zh-CN', 'education');
    const dialled = speechTurn(withLine, ctx(2, 'course_price'), classify('转人工'), '转人工');
    assert.equal(dialled.humanAfterMisunderstanding, false);
    assert.match(turnTwiml(dialled, 'zh-CN', 'x'), /<Dial>\+8613800000000<\/Dial>/);
  });

  test('a few turns at most: the last answer is followed by goodbye', () => {
    const a = speechTurn(script, ctx(3), classify('课程价格是多少'), '课程价格是多少');
    assert.equal(a.next, 'hang-up');
    assert.equal(a.say.at(-1), '感谢您的接听，再见。');
    assert.ok(a.sms, 'the text still goes');
  });

  test('the classifier failing drops the call to the basic key menu', () => {
    const a = speechTurn(script, ctx(), null, 'whatever');
    assert.equal(a.intent, 'fallback');
    assert.equal(a.next, 'menu');
    assert.match(turnTwiml(a, 'zh-CN', 'https://x/g?turn=2'), /<Gather input="dtmf" numDigits="1"[^>]*>.*按0.*<\/Gather>/);
  });

  test('wrong number and keys mark the attempt', () => {
    assert.equal(speechTurn(script, ctx(), classify('打错了'), '打错了').mark, 'wrong-number');
    assert.equal(keyTurn(script, ctx(), '1').mark, 'interested');
    assert.equal(keyTurn(script, ctx(), '0').optOut, true);
    assert.equal(keyTurn(script, ctx(), '2').callbackAt, NOW + 120 * 60_000);
  });

  test('the opening per mode: speech and keys, the key menu only, or only 0 in opt-out safe mode', () => {
    const ann = { text: 'Hello.', language: 'en-US' };
    assert.match(openingTwiml('intelligent', ann, 'g'), /<Gather input="dtmf speech"[^>]*><Say language="en-US">Hello.<\/Say><Say language="en-US">How can I help you\?/);
    const basic = openingTwiml('basic', ann, 'g');
    assert.match(basic, /<Gather input="dtmf" numDigits="1"[^>]*>.*Press 1 if you are interested, 2 to be called back later, or 0 to never be called again\./);
    assert.ok(!basic.includes('speech'));
    assert.ok(!openingTwiml('safe', ann, 'g').includes('Press 1'));
  });
});

describe('the time a callback is asked for', () => {
  const at = (text: string) => {
    const t = requestedCallbackTime(text, NOW, SHANGHAI);
    return t === null ? null : new Date(t).toISOString();
  };
  test('Chinese and English, relative and clock times, in the person’s zone', () => {
    assert.equal(at('过一个小时再打'), '2026-12-02T03:00:00.000Z');
    assert.equal(at('半小时后'), '2026-12-02T02:30:00.000Z');
    assert.equal(at('晚上再打给我'), '2026-12-02T11:00:00.000Z');
    assert.equal(at('明天再打吧'), '2026-12-03T02:00:00.000Z');
    assert.equal(at('下午三点半'), '2026-12-02T07:30:00.000Z');
    assert.equal(at('call me tomorrow at 3 pm'), '2026-12-03T07:00:00.000Z');
    assert.equal(at('in 2 hours'), '2026-12-02T04:00:00.000Z');
    assert.equal(at('周末再联系我'), '2026-12-05T02:00:00.000Z');
    assert.equal(at('at 9'), '2026-12-03T01:00:00.000Z', '9 o’clock has passed today: tomorrow');
  });
  test('no time named: null (the script’s delay applies)', () => {
    for (const t of ['晚点打给我', '我在开车，等会说', 'Call me back later', '晚一点再打']) assert.equal(at(t), null, t);
  });
});
