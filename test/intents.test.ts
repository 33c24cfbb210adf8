/** Intent understanding: the classifier's contract, its accuracy on the training data and the opt-out guarantee. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateIntents } from '../scripts/lib/intent-eval';
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

describe('the figures (npm run eval:intents prints them all)', () => {
  const e = evaluateIntents({ latencySamples: 2000 });

  test('opt-out recall is 100%: the given opt-outs (cross-validated), our unseen ones and ≥ 50 noisy paraphrases in both languages', () => {
    assert.ok(e.optOutRecall.paraphraseCount >= 50);
    assert.deepEqual(e.optOutRecall.missed.map((r) => r.text), []);
    assert.equal(e.optOutRecall.training, 1);
    assert.equal(e.optOutRecall.paraphrases, 1);
  });

  test('false opt-outs stay rare: under 2% of everything else (cross-validated training, unseen, out of scope)', () => {
    assert.ok(e.falseOptOuts.of > 300);
    assert.ok(e.falseOptOuts.rate < 0.02, `${(e.falseOptOuts.rate * 100).toFixed(1)}%: ${e.falseOptOuts.rows.map((r) => r.text).join(', ')}`);
  });

  test('accuracy: ≥ 85% on unseen paraphrases, and the cross-validated floor of the given data holds', () => {
    assert.ok(e.unseenAccuracy >= 0.85, `unseen ${e.unseenAccuracy}`);
    assert.ok(e.cvAccuracy >= 0.65, `cross-validated ${e.cvAccuracy}`);
  });

  test('fast: classifying costs well under 5 ms of CPU at p99; training takes seconds at most', () => {
    assert.ok(e.latencyMs.cpuP99 < 5, `p99 ${e.latencyMs.cpuP99} ms CPU`);
    assert.ok(e.trainingMs < 10_000, `training ${e.trainingMs} ms`);
  });
});
