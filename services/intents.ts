/**
 * Intent understanding for the call flow, the API and script tuning: the model trained once per
 * process from the bundled training data (domain/intents/train.jsonl), then synchronous classifying.
 */
import fs from 'node:fs';
import path from 'node:path';
import { classifyUtterance } from '../domain/intents/classify';
import { isIntent, type IntentResult } from '../domain/intents/labels';
import { trainIntentModel, type IntentExample, type IntentModel } from '../domain/intents/model';

export { INTENTS, OPT_OUT_INTENT, UNKNOWN_INTENT, type Intent, type IntentResult } from '../domain/intents/labels';

/** The labelled data we were given, and our own additions (more English, more ways to say each intent). */
export const TRAINING_FILE = path.join(__dirname, '..', 'domain', 'intents', 'train.jsonl');
export const EXTRA_TRAINING_FILE = path.join(__dirname, '..', 'domain', 'intents', 'extra.jsonl');

/** The labelled utterances of a JSON-lines file (`text`, `intent`, and fields the model ignores). */
export function readIntentExamples(file: string): (IntentExample & { lang?: string; industry?: string })[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, n) => {
      const row = JSON.parse(line) as { text?: unknown; intent?: unknown; lang?: string; industry?: string };
      if (typeof row.text !== 'string' || typeof row.intent !== 'string' || !isIntent(row.intent)) throw new Error(`${path.basename(file)}:${n + 1}: not a labelled utterance of a known intent`);
      return { text: row.text, intent: row.intent, lang: row.lang, industry: row.industry };
    });
}

let model: IntentModel | undefined;

/** Trains the model now (at API or worker start-up) so that the first classify is fast. */
export function warmIntents(): void {
  model ??= trainIntentModel([...readIntentExamples(TRAINING_FILE), ...readIntentExamples(EXTRA_TRAINING_FILE)]);
}

/** Each utterance's intent (or `unknown`) and confidence, in the order given. */
export function classify(texts: readonly string[], industry?: string): IntentResult[] {
  warmIntents();
  return texts.map((text) => classifyUtterance(model!, text, industry));
}
