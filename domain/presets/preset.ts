/**
 * What an industry preset is: a versioned, documented strategy (data the strategy schema
 * validates) with the industry's rules written out, the checks the maintenance routines run on
 * campaigns of that industry, and the checklist a business keeps. Pure data and pure functions.
 */
import type { Strategy, StrategyInput } from '../strategy';
import { urlsInText } from '../links';
import type { Industry } from '../vocabulary';

export type PresetIndustry = Exclude<Industry, 'other'>;
export type Routine = 'daily' | 'weekly' | 'monthly';

/** What a rule may look at besides the strategy. */
export interface RuleFacts {
  /** Days since the campaign's active strategy version was written. */
  activeForDays: number;
}

/** One of the industry's rules, checked on every campaign of it by a routine ("playbook" check). */
export interface PresetRule {
  routine: Routine;
  /** What the rule says, for people. */
  rule: string;
  /** A finding (a sentence) when the strategy breaks the rule; null when it keeps it. */
  check: (s: Strategy, facts: RuleFacts) => string | null;
}

/** An item of the industry's maintenance checklist: which routine's check covers it. */
export interface ChecklistItem {
  routine: Routine | 'on-demand';
  /** The maintenance check's name (as in GET /v1/maintenance/runs). */
  check: string;
  what: string;
}

export interface Preset {
  industry: PresetIndustry;
  /** Raised whenever the preset's strategy or rules change; campaigns record the version they were built from. */
  version: number;
  title: string;
  description: string;
  /** The fields a business is expected to override (its own links and wording). */
  override: string[];
  strategy: StrategyInput;
  rules: PresetRule[];
  checklist: ChecklistItem[];
}

const minutes = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

/** True when one of the blocked windows covers [start, end) on every day. */
export function blocksEveryDay(s: Strategy, start: string, end: string): boolean {
  return s.blockedWindows.some((w) => !w.days && minutes(w.start) <= minutes(start) && minutes(w.end) >= minutes(end));
}

/** True when the quiet hours (which wrap midnight) hold all of [start, end) overnight. */
export function quietCovers(s: Strategy, start: string, end: string): boolean {
  const q = { start: minutes(s.quietHours.start), end: minutes(s.quietHours.end) };
  return q.start > q.end && q.start <= minutes(start) && q.end >= minutes(end);
}

/** The SMS text's links, or none (no SMS). */
export const smsLinks = (s: Strategy): string[] => (s.sms ? urlsInText(s.sms.text) : []);

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The preset's strategy with a business's overrides: objects merge field by field, anything else
 * (arrays, scalars, null) replaces. The result is validated by the strategy schema like any other.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}
