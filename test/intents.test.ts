/** Intent understanding: the classifier's contract, its accuracy on the training data and the opt-out guarantee. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, INTENTS, OPT_OUT_INTENT, readIntentExamples, TRAINING_FILE, warmIntents } from '../services/intents';

test('classify keeps the order, answers one of the 21 intents or unknown, with a confidence in [0, 1]', () => {
  warmIntents();
  assert.equal(INTENTS.length, 21);
  assert.ok(INTENTS.includes(OPT_OUT_INTENT));
  const texts = ['这个课程多少钱', '别再给我打电话了', 'Where is my package?', ''];
  const results = classify(texts, 'education');
  assert.equal(results.length, texts.length);
  assert.deepEqual(results.slice(0, 3).map((r) => r.intent), ['course_price', 'opt_out', 'delivery_status']);
  assert.equal(results[3]!.intent, 'unknown');
  for (const r of results) assert.ok(r.confidence >= 0 && r.confidence <= 1 && (r.intent === 'unknown' || INTENTS.includes(r.intent)));
});

test('every opt-out of the training data is an opt-out', () => {
  const optOuts = readIntentExamples(TRAINING_FILE).filter((e) => e.intent === OPT_OUT_INTENT);
  assert.equal(optOuts.length, 12);
  for (const [i, r] of classify(optOuts.map((e) => e.text)).entries()) assert.equal(r.intent, OPT_OUT_INTENT, optOuts[i]!.text);
});
