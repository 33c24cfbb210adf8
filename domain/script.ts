/**
 * The call's script: what Redial says and does after each thing the person says or presses. Pure:
 * given the strategy's script, the turn and the classification of what was said, the next action
 * (api/routes/twilio.ts renders it with domain/call-twiml.ts, services/call-script.ts carries out its
 * side effects). The classifier is not called here: a classification arrives as data, or null when
 * the classifier failed, which drops the call to the basic key menu.
 */
import { z } from 'zod';
import { requestedCallbackTime } from './callback-time';
import { OPT_OUT_INTENT, UNKNOWN_INTENT, type Intent } from './intents/labels';
import { E164, E164_HINT, type Industry } from './vocabulary';

/** The intent the script treats apart: asking for a person right after a misunderstanding counts against the script. */
const HUMAN_INTENT = 'human_agent' satisfies Intent;
/** The step for an intent the script has no step for. */
export const OTHER_STEP = 'other';

/** Campaign-level: `intelligent` understands speech; `basic` is the announcement and a key menu. */
export const SCRIPT_MODES = ['intelligent', 'basic'] as const;
export type ScriptMode = (typeof SCRIPT_MODES)[number];

/** What a step marks on the attempt (its business outcome). */
export const SCRIPT_MARKS = ['interested', 'not-interested', 'wrong-number'] as const;
export type ScriptMark = (typeof SCRIPT_MARKS)[number];

/** After a step: listen for the next turn, end the call, hand over to a person, or end it with a callback at the time asked for. */
export const STEP_THEN = ['continue', 'end', 'hand-over', 'callback'] as const;

const LINK_NAME = /^[a-z][a-z0-9_]{0,30}$/;
const placeholders = (text: string) => [...text.matchAll(/\{([a-z][a-z0-9_]{0,30})\}/g)].map((m) => m[1]!);

export const stepSchema = z.strictObject({
  say: z.string().min(1).max(1000).optional().describe('What Redial answers'),
  sms: z
    .string()
    .min(1)
    .max(640)
    .optional()
    .describe('A text sent after this turn through the cadence’s SMS path (its daily budget and windows apply); `{name}` is replaced by `links.name`'),
  mark: z.enum(SCRIPT_MARKS).optional().describe('The attempt’s business outcome'),
  then: z.enum(STEP_THEN).default('continue'),
});
export type Step = z.output<typeof stepSchema>;

export const scriptSchema = z
  .strictObject({
    /** Speech turns per call at most; the last answer is followed by goodbye. */
    maxTurns: z.number().int().min(1).max(10).default(3),
    /** Where `hand-over` dials (a person's line); without it a hand-over becomes a callback. */
    handOverNumber: z.string().regex(E164, E164_HINT).nullable().default(null),
    /** Links the texts name as `{name}`, e.g. `{"booking": "https://…"}`; the industry's default steps text only the links that are set. */
    links: z.record(z.string().regex(LINK_NAME), z.string().url().max(500)).default({}),
    /** A callback asked for without a time ("later", "现在不方便") is this many minutes on. */
    callbackDelayMinutes: z.number().int().min(5).max(10080).default(120),
    /** Per intent (a classifier label, `unknown`, or `other` for an intent without a step): replaces the industry's default step. */
    steps: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,40}$/), stepSchema).default({}),
  })
  .superRefine((s, ctx) => {
    for (const [intent, step] of Object.entries(s.steps)) {
      for (const name of placeholders(step.sms ?? '')) {
        if (!(name in s.links)) ctx.addIssue({ code: 'custom', path: ['steps', intent, 'sms'], message: `names {${name}}, which is not in links` });
      }
    }
  });
export type Script = z.output<typeof scriptSchema>;

type Lang = 'en' | 'zh';
/** A default step in both languages; `sayNoLink` is said instead when the text's link is not set. */
interface PresetStep {
  say: Record<Lang, string>;
  sayNoLink?: Record<Lang, string>;
  sms?: Record<Lang, string>;
  mark?: ScriptMark;
  then: Step['then'];
}

const GENERIC: Record<string, PresetStep> = {
  interested: { say: { en: 'Great! An advisor will contact you shortly.', zh: '太好了！顾问会尽快联系您。' }, mark: 'interested', then: 'end' },
  not_interested: { say: { en: 'Understood. Thank you for your time.', zh: '好的，打扰您了，谢谢。' }, mark: 'not-interested', then: 'end' },
  wrong_number: { say: { en: 'Sorry for the trouble; we will not call this number again.', zh: '抱歉打扰了，我们不会再拨打这个号码。' }, mark: 'wrong-number', then: 'end' },
  callback_later: { say: { en: 'Of course, we will call you back then.', zh: '好的，我们稍后再联系您。' }, then: 'callback' },
  human_agent: { say: { en: 'Let me connect you to an advisor.', zh: '正在为您转接人工顾问。' }, then: 'hand-over' },
  complaint: {
    say: { en: 'I am sorry for the trouble. Your complaint is recorded and we will not call you again about this.', zh: '非常抱歉给您带来困扰，您的意见已记录，此事我们不会再打扰您。' },
    mark: 'not-interested',
    then: 'end',
  },
  [UNKNOWN_INTENT]: {
    say: { en: 'Sorry, I did not catch that. Could you say it again?', zh: '抱歉，我没有听清楚，请您再说一遍好吗？' },
    then: 'continue',
  },
  [OTHER_STEP]: { say: { en: 'Thank you for asking. An advisor will follow up with the details.', zh: '感谢您的咨询，顾问会跟进为您详细解答。' }, then: 'continue' },
};

const BY_INDUSTRY: Record<Exclude<Industry, 'other'>, Record<string, PresetStep>> = {
  education: {
    course_price: {
      say: { en: 'Course fees depend on the level and the term. I have texted you the price list and a link to book a free trial class.', zh: '课程费用根据级别和课时而定，价格表和免费试听课的预约链接已经短信发给您了。' },
      sayNoLink: { en: 'Course fees depend on the level and the term; an advisor will send you the price list.', zh: '课程费用根据级别和课时而定，顾问会把价格表发给您。' },
      sms: { en: 'Prices and a free trial class: {booking}', zh: '课程价格及免费试听预约：{booking}' },
      then: 'continue',
    },
    class_schedule: { say: { en: 'Classes run on weekday evenings and weekend mornings; you choose the times that suit you.', zh: '课程安排在工作日晚上和周末上午，您可以选择合适的时间。' }, then: 'continue' },
    trial_class: {
      say: { en: 'You are welcome to a free trial class. I have texted you the booking link.', zh: '欢迎您来免费试听，预约链接已经短信发给您了。' },
      sayNoLink: { en: 'You are welcome to a free trial class; an advisor will call you to book it.', zh: '欢迎您来免费试听，顾问会联系您预约时间。' },
      sms: { en: 'Book your free trial class: {booking}', zh: '免费试听课预约：{booking}' },
      mark: 'interested',
      then: 'continue',
    },
  },
  finance: {
    repayment_method: {
      say: { en: 'You can repay in the app, by bank transfer or at a partner bank. I have texted you the repayment link.', zh: '您可以通过App、银行转账或合作银行还款，还款链接已经短信发给您了。' },
      sayNoLink: { en: 'You can repay in the app, by bank transfer or at a partner bank.', zh: '您可以通过App、银行转账或合作银行还款。' },
      sms: { en: 'Repay here: {repayment}', zh: '还款链接：{repayment}' },
      then: 'continue',
    },
    amount_due: {
      say: { en: 'The amount due and its date are in your app; I have also texted you your statement.', zh: '应还金额和还款日可以在App中查看，账单也已经短信发给您了。' },
      sayNoLink: { en: 'The amount due and its date are in your app.', zh: '应还金额和还款日可以在App中查看。' },
      sms: { en: 'Your statement: {statement}', zh: '您的账单：{statement}' },
      then: 'continue',
    },
    extension_request: { say: { en: 'An extension can be requested; an advisor will call you back to arrange it.', zh: '可以申请延期，顾问会回电为您办理。' }, then: 'callback' },
    dispute: { say: { en: 'I am sorry about this. Let me connect you to an advisor who can look into it.', zh: '很抱歉，正在为您转接顾问核实处理。' }, then: 'hand-over' },
  },
  ecommerce: {
    delivery_status: {
      say: { en: 'You can follow your delivery with the tracking link I have texted you.', zh: '物流查询链接已经短信发给您，可以随时查看配送进度。' },
      sayNoLink: { en: 'You can follow your delivery in your orders in the app.', zh: '您可以在App的订单中查看配送进度。' },
      sms: { en: 'Track your order: {tracking}', zh: '订单物流查询：{tracking}' },
      then: 'continue',
    },
    return_refund: {
      say: { en: 'Returns are free within seven days. I have texted you the return link.', zh: '七天内可以免费退货，退货链接已经短信发给您了。' },
      sayNoLink: { en: 'Returns are free within seven days, from your orders in the app.', zh: '七天内可以在App的订单中免费申请退货。' },
      sms: { en: 'Start a return: {returns}', zh: '申请退货：{returns}' },
      then: 'continue',
    },
    coupon: {
      say: { en: 'Your coupon is in your account; I have also texted it to you.', zh: '优惠券已经放到您的账户里，也已经短信发给您了。' },
      sayNoLink: { en: 'Your coupon is in your account.', zh: '优惠券已经放到您的账户里了。' },
      sms: { en: 'Your coupon: {coupon}', zh: '您的优惠券：{coupon}' },
      mark: 'interested',
      then: 'continue',
    },
    payment_issue: { say: { en: 'Let me connect you to an advisor who can help with the payment.', zh: '正在为您转接顾问处理支付问题。' }, then: 'hand-over' },
  },
  'local-services': {
    booking: {
      say: { en: 'You can book online; I have texted you the booking link.', zh: '您可以在线预约，预约链接已经短信发给您了。' },
      sayNoLink: { en: 'An advisor will call you to book a time.', zh: '顾问会联系您预约时间。' },
      sms: { en: 'Book here: {booking}', zh: '在线预约：{booking}' },
      mark: 'interested',
      then: 'continue',
    },
    opening_hours: { say: { en: 'We are open every day from ten in the morning to ten in the evening.', zh: '我们每天上午十点到晚上十点营业。' }, then: 'continue' },
    location: {
      say: { en: 'I have texted you our address with a map link.', zh: '我们的地址和地图链接已经短信发给您了。' },
      sayNoLink: { en: 'Our address is on our website and in our app.', zh: '我们的地址可以在官网或App上查看。' },
      sms: { en: 'Find us: {map}', zh: '门店地址：{map}' },
      then: 'continue',
    },
  },
};

/** Fixed phrases of the call around the steps. */
const PHRASES = {
  prompt: { en: 'How can I help you? Ask me a question. Press 1 if you are interested.', zh: '请问有什么可以帮您？您可以直接提问，或按1表示感兴趣。' },
  more: { en: 'Is there anything else?', zh: '还有其他问题吗？' },
  goodbye: { en: 'Thank you. Goodbye.', zh: '感谢您的接听，再见。' },
  menu: { en: 'Press 1 if you are interested, 2 to be called back later, or 0 to never be called again.', zh: '感兴趣请按1，稍后回电请按2，不再接听来电请按0。' },
  menuAfterFailure: { en: 'Sorry, I cannot answer questions right now.', zh: '抱歉，暂时无法回答您的问题。' },
  optedOut: { en: 'You will not be called again. Goodbye.', zh: '我们不会再给您打电话，再见。' },
  interested: { en: 'Thank you. An advisor will contact you shortly. Goodbye.', zh: '谢谢，顾问会尽快联系您，再见。' },
  callback: { en: 'We will call you back later. Goodbye.', zh: '我们稍后再联系您，再见。' },
  handOverNoLine: { en: 'An advisor will call you back shortly.', zh: '顾问会尽快给您回电。' },
  safeMode: { en: 'Press 0 if you do not want to be called again.', zh: '如不希望再接到来电，请按0。' },
} satisfies Record<string, Record<Lang, string>>;

/** The script a call plays: the strategy's steps over its industry's defaults, in the announcement's language. */
export interface EffectiveScript {
  lang: Lang;
  maxTurns: number;
  handOverNumber: string | null;
  callbackDelayMinutes: number;
  steps: Record<string, Step>;
}

export const languageOf = (bcp47: string): Lang => (bcp47.toLowerCase().startsWith('zh') ? 'zh' : 'en');
export const phrase = (key: keyof typeof PHRASES, lang: Lang) => PHRASES[key][lang];

const fill = (text: string, links: Record<string, string>) => text.replace(/\{([a-z][a-z0-9_]{0,30})\}/g, (_, n: string) => links[n] ?? '');

/**
 * The industry's default steps (all industries' when the campaign names none), then the strategy's
 * own on top. A default step whose text needs a link the script does not set says its no-link
 * words and texts nothing.
 */
export function effectiveScript(script: Script, language: string, industry: string | null | undefined): EffectiveScript {
  const lang = languageOf(language);
  const own = industry && industry in BY_INDUSTRY ? [BY_INDUSTRY[industry as keyof typeof BY_INDUSTRY]] : Object.values(BY_INDUSTRY);
  const steps: Record<string, Step> = {};
  for (const presets of [GENERIC, ...own]) {
    for (const [intent, p] of Object.entries(presets)) {
      const linked = p.sms !== undefined && placeholders(p.sms[lang]).every((n) => n in script.links);
      steps[intent] = {
        say: linked || !p.sayNoLink ? p.say[lang] : p.sayNoLink[lang],
        ...(linked ? { sms: p.sms![lang] } : {}),
        ...(p.mark ? { mark: p.mark } : {}),
        then: p.then,
      };
    }
  }
  for (const [intent, step] of Object.entries(script.steps)) steps[intent] = { ...step };
  for (const step of Object.values(steps)) if (step.sms) step.sms = fill(step.sms, script.links);
  return { lang, maxTurns: script.maxTurns, handOverNumber: script.handOverNumber, callbackDelayMinutes: script.callbackDelayMinutes, steps };
}

export interface Classification {
  intent: string;
  confidence: number;
}

/** Where the call is: its turn (1 for the first thing said after the announcement), the person's clock, the previous turn's intent. */
export interface TurnContext {
  turn: number;
  now: number;
  timeZone: string;
  previousIntent: string | null;
}

/** What happens next in the call, and what it leaves behind. */
export interface TurnAction {
  /** The understood intent (`unknown`), a key (`key:1`), or `fallback` when the classifier failed. */
  intent: string;
  say: string[];
  /** A text to send through the cadence's SMS path. */
  sms: string | null;
  mark: ScriptMark | null;
  optOut: boolean;
  callbackAt: number | null;
  /** A number to hand the call over to with <Dial>. */
  dial: string | null;
  /** listen: speech and keys for the next turn; menu: the basic key menu; hang-up: goodbye. */
  next: 'listen' | 'menu' | 'hang-up';
  /** The person asked for a person right after a turn that was not understood. */
  humanAfterMisunderstanding: boolean;
}

const action = (intent: string, a: Partial<TurnAction>): TurnAction => ({
  intent,
  say: [],
  sms: null,
  mark: null,
  optOut: false,
  callbackAt: null,
  dial: null,
  next: 'hang-up',
  humanAfterMisunderstanding: false,
  ...a,
});

/**
 * The answer to something said. `classification` null: the classifier failed or was too slow,
 * and the call drops to the basic key menu (the person still hears that they can opt out).
 */
export function speechTurn(script: EffectiveScript, ctx: TurnContext, classification: Classification | null, heard: string): TurnAction {
  const { lang } = script;
  if (!classification) return action('fallback', { say: [phrase('menuAfterFailure', lang)], next: 'menu' });
  const { intent } = classification;
  if (intent === OPT_OUT_INTENT) return action(intent, { say: [phrase('optedOut', lang)], optOut: true });
  const step = script.steps[intent] ?? script.steps[OTHER_STEP]!;
  const humanAfterMisunderstanding = intent === HUMAN_INTENT && ctx.previousIntent === UNKNOWN_INTENT;
  const say = step.say ? [step.say] : [];
  const base = { say, sms: step.sms ?? null, mark: step.mark ?? null, humanAfterMisunderstanding };
  switch (step.then) {
    case 'end':
      return action(intent, base);
    case 'callback':
      return action(intent, { ...base, callbackAt: requestedCallbackTime(heard, ctx.now, ctx.timeZone) ?? ctx.now + script.callbackDelayMinutes * 60_000 });
    case 'hand-over':
      if (script.handOverNumber) return action(intent, { ...base, dial: script.handOverNumber });
      return action(intent, { ...base, say: [...say, phrase('handOverNoLine', lang)], callbackAt: ctx.now + script.callbackDelayMinutes * 60_000 });
    case 'continue':
      if (ctx.turn >= script.maxTurns) return action(intent, { ...base, say: [...say, phrase('goodbye', lang)] });
      return action(intent, { ...base, next: 'listen' });
  }
}

/**
 * A key: 0 opts out, 1 is interest, 2 asks for a callback; any other key ends the call politely.
 * The same in both modes (the basic menu offers exactly these).
 */
export function keyTurn(script: EffectiveScript, ctx: Pick<TurnContext, 'now'>, digit: string): TurnAction {
  const { lang } = script;
  switch (digit) {
    case '0':
      return action('key:0', { say: [phrase('optedOut', lang)], optOut: true });
    case '1':
      return action('key:1', { say: [phrase('interested', lang)], mark: 'interested' });
    case '2':
      return action('key:2', { say: [phrase('callback', lang)], callbackAt: ctx.now + script.callbackDelayMinutes * 60_000 });
    default:
      return action(`key:${digit}`, { say: [phrase('goodbye', lang)] });
  }
}
