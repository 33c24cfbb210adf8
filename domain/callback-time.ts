/**
 * "Call me back tomorrow afternoon" / "明天下午三点再打": the time a person asks to be called back,
 * read from what speech recognition delivered, in the person's own time zone. Only the time is
 * read here; whether a call may happen then is the cadence's rules and the gate's (quiet hours,
 * windows, the daily cap), which move it to the next allowed instant when it may not.
 */
import { localParts, zonedInstant } from './local-time';

const ZH_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const EN_NUMBERS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, half: 0.5 };

/** A Chinese numeral up to 99 (十二, 二十, 三) or Arabic digits; NaN when it is neither. */
function zhNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  if (!s) return NaN;
  const ten = s.indexOf('十');
  if (ten === -1) return s.length === 1 && s in ZH_DIGITS ? ZH_DIGITS[s]! : NaN;
  const tens = ten === 0 ? 1 : ZH_DIGITS[s.slice(0, ten)];
  const ones = ten === s.length - 1 ? 0 : ZH_DIGITS[s.slice(ten + 1)];
  return tens === undefined || ones === undefined ? NaN : tens * 10 + ones;
}

const NUM = '(\\d+|[零〇一二两三四五六七八九十]+)';

/** Parts of the day and the hour they mean when no hour is said. */
const DAYPARTS: Array<{ re: RegExp; hour: number; pm: boolean }> = [
  { re: /早上|早晨|上午|morning/, hour: 10, pm: false },
  { re: /中午|noon|lunch/, hour: 12, pm: true },
  { re: /下午|afternoon/, hour: 15, pm: true },
  { re: /傍晚|晚上|今晚|evening|tonight/, hour: 19, pm: true },
];

/**
 * The instant asked for, or null when the words name none ("later", "现在不方便": the caller then
 * uses its default delay). `now` and `timeZone` are the person's clock; a time that has already
 * passed today means the same time tomorrow.
 */
export function requestedCallbackTime(text: string, now: number, timeZone: string): number | null {
  // "晚一点" / "等一点" is "a bit later", not one o'clock
  const t = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[晚早等慢快再有]一点儿?/g, '');

  // relative: "in 2 hours", "half an hour", "过一个小时", "两个小时后", "半小时后", "20分钟后"
  const enRel = /\bin (\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|half an?) ?(hours?|hrs?|minutes?|mins?)\b/.exec(t);
  if (enRel) {
    const n = /^half/.test(enRel[1]!) ? 0.5 : (EN_NUMBERS[enRel[1]!] ?? Number(enRel[1]));
    return now + n * (enRel[2]!.startsWith('h') ? 3_600_000 : 60_000);
  }
  if (/\bhalf an hour\b/.test(t) || /半个?小时/.test(t)) return now + 1_800_000;
  const zhRel = new RegExp(`${NUM}个?(小时|钟头|分钟)`).exec(t);
  if (zhRel) {
    const n = zhNumber(zhRel[1]!);
    if (Number.isFinite(n) && n > 0) return now + n * (zhRel[2] === '分钟' ? 60_000 : 3_600_000);
  }

  // a day: today (default), tomorrow, the day after, the weekend, next week
  const p = localParts(now, timeZone);
  let dayOffset = 0;
  let named = false;
  if (/后天|day after tomorrow/.test(t)) dayOffset = 2;
  else if (/明天|明早|明晚|tomorrow|改天|another day/.test(t)) dayOffset = 1;
  else if (/周末|weekend/.test(t)) dayOffset = p.weekday >= 6 ? 0 : 6 - p.weekday;
  else if (/下周|下个星期|下礼拜|next week/.test(t)) dayOffset = 8 - p.weekday;
  if (dayOffset > 0) named = true;

  // an hour: "3 pm", "at 15:30", "三点半", "下午三点"
  let minute: number | null = null;
  const part = DAYPARTS.find((d) => d.re.test(t));
  const enClock = /\b(?:at )?(\d{1,2})(?::(\d{2}))? ?(am|pm|a\.m\.|p\.m\.|o'?clock)\b/.exec(t) ?? /\bat (\d{1,2})(?::(\d{2}))?\b/.exec(t);
  const zhClock = new RegExp(`${NUM}点(半|${NUM}分?)?`).exec(t);
  if (enClock) {
    let h = Number(enClock[1]);
    const m = enClock[2] ? Number(enClock[2]) : 0;
    const suffix = enClock[3] ?? '';
    if (suffix.startsWith('p') && h < 12) h += 12;
    else if (suffix.startsWith('a') && h === 12) h = 0;
    else if (!suffix.startsWith('a') && part?.pm && h < 12) h += 12;
    if (h < 24 && m < 60) minute = h * 60 + m;
  } else if (zhClock) {
    let h = zhNumber(zhClock[1]!);
    const m = zhClock[2] === '半' ? 30 : zhClock[3] ? zhNumber(zhClock[3]) : 0;
    if (part?.pm && h < 12) h += 12;
    if (Number.isFinite(h) && Number.isFinite(m) && h < 24 && m < 60) minute = h * 60 + m;
  } else if (part) minute = part.hour * 60;

  if (minute === null && !named) return null;
  // a day without an hour: the morning
  const at = minute ?? 10 * 60;
  const day = new Date(Date.UTC(p.year, p.month - 1, p.day + dayOffset));
  let instant = zonedInstant({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() }, at, timeZone);
  // "at 3" said at 16:00 means tomorrow at 3
  if (instant <= now && !named) {
    const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
    instant = zonedInstant({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, at, timeZone);
  }
  return instant <= now ? null : instant;
}
