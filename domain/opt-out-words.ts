/**
 * SMS replies that opt a person out, normalised (width, case, spaces, punctuation): the Chinese
 * carrier convention (TD, T, 退订, TD退订) and the international one (STOP, UNSUBSCRIBE).
 */
const WORDS = new Set(['TD', 'T', '退订', 'TD退订', 'STOP', 'UNSUBSCRIBE', 'STOPALL', 'CANCEL', 'END', 'QUIT']);

/**
 * Replies that opt back in: Twilio's opt-in keywords, the ones after which its carriers stop
 * answering 21610 for the number. Chinese operators publish no resubscribe keyword (订阅/恢复 are
 * not standard and a carrier would keep its block), so none is recognised: lifting our list while
 * the carrier still refuses would promise texts that never arrive.
 */
const START_WORDS = new Set(['START', 'UNSTOP', 'YES']);

const normalise = (body: string) =>
  body
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s.,!?;:'"。，！？；：、]+/g, '');

export function isOptOutReply(body: string): boolean {
  return WORDS.has(normalise(body));
}

export function isResubscribeReply(body: string): boolean {
  return START_WORDS.has(normalise(body));
}

/**
 * Spoken opt-outs: what a called person says meaning "stop calling me / 别再打了 / 退订 / remove me
 * from your list", as speech recognition writes it (any case, fillers, no punctuation). The intent
 * model (domain/intents/) learns opt-outs too; these phrases make the ones that must never be
 * missed certain, whatever the model. A false match is the safer error (the person is not called
 * again), so the phrases lean wide, but not onto complaints or "not interested" alone.
 */
const SPEECH_PATTERNS: readonly RegExp[] = [
  // 别/不要/不用/甭/勿 … 再 … 打/联系/发/骚扰/来电
  /(别|不要|不用|甭|勿|莫|不许|不准|禁止|停止)(再|在|老|总|一直|每天|天天)?(给我|跟我|向我|对我|找我|和我)?(再|在)?(打|拨|联系|发|骚扰|来电|打扰|推销|call)/,
  /(不要|别|不想|不愿意)(再)?(接到|收到)(你们)?(的)?(电话|短信|来电|消息)/,
  /(退订|退定|取消订阅|取消订阅|退出(名单|订阅)|td退订)/,
  /(删|删除|删掉|去掉|移除|注销)(了|掉)?(我|我的)?(的)?(电话|号码|手机号|联系方式|信息|资料)/,
  /(把|将)(我|我的)(的)?(电话|号码|手机号|名字|信息|资料)?(从)?.{0,6}(删|删除|删掉|去掉|移除|拿掉)/,
  /拉黑/,
  /(加入|加到|加进|列入|拉进|放进|放到|设为|设成)(你们的)?(黑名单|免打扰|勿扰)/,
  /(以后|今后|永远|再也)(都)?(别|不要|不用|不许|别再|不要再)?(再)?(给我|跟我)?(打|联系|来电)/,
  /(再|再也)(打|来电)(过来)?(我)?(就)?(报警|投诉|举报)/,
  /\b(stop|quit|cease|no more|dont|do not|never|stop ever)( \w+){0,2} (call|calling|ringing|ring|phon|text|texting|messag|contact|bother|harass)/,
  /\b(remove|delete|erase|take|drop|scrub|strike)( \w+){0,3} (me|my number|my name|my details|my info|this number)( \w+){0,3} (off|from|out)?/,
  /\b(unsubscribe|opt out|opt me out|optout|do not call|dont call|never call|lose my number|lose this number|put me on (the|your) (do not call|dnc))/,
  /\bdnc\b/,
];

const speechNormalise = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[嗯呃额啊哦喔噢喂哎诶唉呀哈嘛呢哇了吧]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/(\p{Script=Han}) (?=\p{Script=Han})/gu, '$1')
    .trim();

/** Whether an utterance in a call asks not to be contacted again (also the SMS opt-out words said alone). */
export function isOptOutSpeech(text: string): boolean {
  if (isOptOutReply(text)) return true;
  const t = speechNormalise(text);
  return SPEECH_PATTERNS.some((p) => p.test(t));
}

/**
 * Whether a resubscribe lifts the number's opt-out. By the carrier's rules START only undoes a
 * STOP sent by text: an opt-out given another way (a key pressed in a call, the API, an operator)
 * stays until it is lifted the way it was given.
 */
export const resubscribeLifts = (optOutSource: string) => optOutSource === 'sms';
