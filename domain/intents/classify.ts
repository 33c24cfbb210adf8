/**
 * An utterance's intent: the model's answer, the confidence threshold, and the opt-out guarantee on
 * top. An utterance that says "stop calling me" in any form domain/opt-out-words.ts knows is an
 * opt-out whatever the model says, and the model's opt-out needs less confidence than the others:
 * a missed opt-out calls a person who asked not to be called, a false one only stops calling.
 */
import { isOptOutSpeech } from '../opt-out-words';
import { OPT_OUT_INTENT, UNKNOWN_INTENT, type IntentResult } from './labels';
import { topIntent, type IntentModel } from './model';

/** Below this probability the best intent is reported as `unknown` (measured by npm run eval:intents). */
export const CONFIDENCE_THRESHOLD = 0.2;
/** The model's opt-out stands at half that. */
const OPT_OUT_THRESHOLD = CONFIDENCE_THRESHOLD / 2;
/** The confidence reported for an opt-out recognised by its words. */
const RULE_CONFIDENCE = 0.99;

const round = (p: number) => Math.round(p * 1000) / 1000;

export function classifyUtterance(model: IntentModel, text: string, industry?: string): IntentResult {
  const top = topIntent(model, text, industry);
  if (isOptOutSpeech(text)) return { intent: OPT_OUT_INTENT, confidence: round(Math.max(RULE_CONFIDENCE, top.intent === OPT_OUT_INTENT ? top.confidence : 0)) };
  const threshold = top.intent === OPT_OUT_INTENT ? OPT_OUT_THRESHOLD : CONFIDENCE_THRESHOLD;
  return top.confidence < threshold ? { intent: UNKNOWN_INTENT, confidence: round(top.confidence) } : { intent: top.intent, confidence: round(top.confidence) };
}
