/**
 * The URLs a strategy carries (SMS texts, scripts, announcements: any string in it), each with
 * where it is, for the link check (services/link-check.ts) and the SMS hold (activities/gate.ts).
 */
import { stringsIn } from './text-fields';

const URL_RE = /https?:\/\/[^\s"'<>，。；！？、）】]+/giu;

/** URLs in a text, trailing punctuation of the sentence dropped. */
export function urlsInText(text: string): string[] {
  return [...text.matchAll(URL_RE)].map((m) => m[0].replace(/[.,;:!?)\]}]+$/, ''));
}

export interface FoundUrl {
  url: string;
  /** Where in the strategy, e.g. `sms.text`. */
  path: string;
}

/** Every URL in every string of a value (a strategy), with its path. */
export const urlsIn = (value: unknown): FoundUrl[] => stringsIn(value).flatMap((f) => urlsInText(f.text).map((url) => ({ url, path: f.path })));
