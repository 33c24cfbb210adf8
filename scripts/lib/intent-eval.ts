/**
 * The intent classifier's figures (npm run eval:intents, test/intents.test.ts): stratified k-fold
 * cross-validation on the training data, accuracy on our own unseen paraphrases, opt-out recall
 * and false opt-outs, latency, training time and memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { classifyUtterance } from '../../domain/intents/classify';
import { INTENTS, OPT_OUT_INTENT, UNKNOWN_INTENT } from '../../domain/intents/labels';
import { trainIntentModel, type IntentExample } from '../../domain/intents/model';
import { EXTRA_TRAINING_FILE, readIntentExamples, TRAINING_FILE } from '../../services/intents';
import { root } from './tools';

type Labelled = { text: string; intent: string; lang?: string };
type Scored = Labelled & { predicted: string; confidence: number };

const fixtures = path.join(root, 'test', 'fixtures', 'intents');
export const UNSEEN_FILE = path.join(fixtures, 'unseen.jsonl');
export const OPT_OUT_FILE = path.join(fixtures, 'opt-out.jsonl');
export const OUT_OF_SCOPE_FILE = path.join(fixtures, 'out-of-scope.jsonl');

const readLabelled = (file: string): Labelled[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Labelled);

export const accuracy = (rows: readonly Scored[]) => (rows.length ? rows.filter((r) => r.predicted === r.intent).length / rows.length : NaN);

/** Stratified folds: the i-th example of each intent goes to fold i mod k. */
export function crossValidate(examples: readonly (IntentExample & { lang?: string })[], k = 5, alwaysTrained: readonly IntentExample[] = []): Scored[] {
  const seen = new Map<string, number>();
  const fold = examples.map((e) => {
    const n = seen.get(e.intent) ?? 0;
    seen.set(e.intent, n + 1);
    return n % k;
  });
  const out: Scored[] = [];
  for (let f = 0; f < k; f++) {
    const model = trainIntentModel([...examples.filter((_, i) => fold[i] !== f), ...alwaysTrained]);
    examples.forEach((e, i) => {
      if (fold[i] !== f) return;
      const r = classifyUtterance(model, e.text);
      out.push({ ...e, predicted: r.intent, confidence: r.confidence });
    });
  }
  return out;
}

export function perIntent(rows: readonly Scored[]) {
  return INTENTS.map((intent) => {
    const tp = rows.filter((r) => r.intent === intent && r.predicted === intent).length;
    const predicted = rows.filter((r) => r.predicted === intent).length;
    const actual = rows.filter((r) => r.intent === intent).length;
    return { intent, precision: predicted ? tp / predicted : NaN, recall: actual ? tp / actual : NaN, n: actual };
  });
}

export function confusions(rows: readonly Scored[], top = 10) {
  const pairs = new Map<string, number>();
  for (const r of rows) if (r.predicted !== r.intent) pairs.set(`${r.intent} → ${r.predicted}`, (pairs.get(`${r.intent} → ${r.predicted}`) ?? 0) + 1);
  return [...pairs].sort((a, b) => b[1] - a[1]).slice(0, top);
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export function evaluateIntents(opts: { folds?: number; latencySamples?: number } = {}) {
  const train = readIntentExamples(TRAINING_FILE);
  const extra = readIntentExamples(EXTRA_TRAINING_FILE);
  // our additions always train, never test: the folds judge the given data only
  const cv = crossValidate(train, opts.folds ?? 5, extra);

  // typed arrays (the weights) live outside the JS heap: count both
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  global.gc?.();
  const heapBefore = used();
  const t0 = performance.now();
  const model = trainIntentModel([...train, ...extra]);
  const trainingMs = performance.now() - t0;
  global.gc?.();
  const modelBytes = used() - heapBefore;

  const score = (rows: Labelled[]): Scored[] => rows.map((r) => ({ ...r, ...((x) => ({ predicted: x.intent, confidence: x.confidence }))(classifyUtterance(model, r.text)) }));
  const unseen = score(readLabelled(UNSEEN_FILE));
  const optOutParaphrases = score(readLabelled(OPT_OUT_FILE));
  const outOfScope = score(readLabelled(OUT_OF_SCOPE_FILE));

  // false opt-outs: anything not an opt-out (cross-validated training utterances, unseen ones, out of scope) classified as one
  const notOptOut = [...cv, ...unseen, ...outOfScope].filter((r) => r.intent !== OPT_OUT_INTENT);
  const optOuts = [...cv, ...unseen].filter((r) => r.intent === OPT_OUT_INTENT);

  const texts = [...train, ...unseen].map((r) => r.text);
  const samples = opts.latencySamples ?? 5000;
  for (const text of texts) classifyUtterance(model, text); // warm the JIT first
  // wall time includes being preempted on a busy machine; CPU time is what the classifier costs
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < samples; i++) {
    const text = texts[i % texts.length]!;
    const c = process.cpuUsage();
    const s = performance.now();
    classifyUtterance(model, text);
    times.push(performance.now() - s);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);

  return {
    examples: train.length,
    extra: extra.length,
    cv,
    cvAccuracy: accuracy(cv),
    cvByLang: Object.fromEntries(['zh', 'en'].map((lang) => [lang, accuracy(cv.filter((r) => r.lang === lang))])),
    unseen,
    unseenAccuracy: accuracy(unseen),
    unseenByLang: Object.fromEntries(['zh', 'en'].map((lang) => [lang, accuracy(unseen.filter((r) => r.lang === lang))])),
    outOfScope,
    outOfScopeUnknown: outOfScope.filter((r) => r.predicted === UNKNOWN_INTENT).length / outOfScope.length,
    optOutRecall: {
      training: optOuts.filter((r) => r.predicted === OPT_OUT_INTENT).length / optOuts.length,
      paraphrases: optOutParaphrases.filter((r) => r.predicted === OPT_OUT_INTENT).length / optOutParaphrases.length,
      missed: [...optOuts, ...optOutParaphrases].filter((r) => r.predicted !== OPT_OUT_INTENT),
      paraphraseCount: optOutParaphrases.length,
    },
    falseOptOuts: { rate: notOptOut.filter((r) => r.predicted === OPT_OUT_INTENT).length / notOptOut.length, of: notOptOut.length, rows: notOptOut.filter((r) => r.predicted === OPT_OUT_INTENT) },
    latencyMs: { p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times.at(-1)!, cpuP99: percentile(cpu, 0.99) },
    trainingMs,
    modelBytes,
  };
}
