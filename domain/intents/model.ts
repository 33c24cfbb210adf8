/**
 * The intent model: multinomial logistic regression over the utterance features (features.ts),
 * trained in-process by AdaGrad with a fixed seed, so the same data always gives the same model.
 * Pure: the training examples come in as values (services/intents.ts reads the bundled file).
 */
import { utteranceFeatures } from './features';
import { INDUSTRY_INTENTS, INTENTS, isIntentIndustry, type Intent } from './labels';

export type IntentExample = { text: string; intent: Intent };

export type IntentModel = {
  vocabulary: ReadonlyMap<string, number>;
  /** weights[feature * classes + class] */
  weights: Float64Array;
  bias: Float64Array;
};

export type TrainOptions = { epochs?: number; learningRate?: number; l2?: number; seed?: number };
/** A call's industry makes its own intents (and the generic ones) this many times likelier a priori: a price asked on a finance call is the amount owed, not a course's. */
const INDUSTRY_PRIOR = 10;

const K = INTENTS.length;
const classIndex = new Map<Intent, number>(INTENTS.map((intent, i) => [intent, i]));

type Sparse = { idx: Int32Array; val: Float64Array };

function vectorise(text: string, vocabulary: ReadonlyMap<string, number>, grow?: Map<string, number>): Sparse {
  const counts = new Map<number, number>();
  for (const f of utteranceFeatures(text)) {
    let i = vocabulary.get(f);
    if (i === undefined && grow) grow.set(f, (i = grow.size));
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  const idx = Int32Array.from(counts.keys());
  const val = Float64Array.from(counts.values(), (c) => Math.sqrt(c));
  const norm = Math.hypot(...val) || 1;
  for (let j = 0; j < val.length; j++) val[j]! /= norm;
  return { idx, val };
}

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function logits(model: Pick<IntentModel, 'weights' | 'bias'>, x: Sparse): Float64Array {
  const z = Float64Array.from(model.bias);
  for (let j = 0; j < x.idx.length; j++) {
    const base = x.idx[j]! * K;
    const v = x.val[j]!;
    for (let k = 0; k < K; k++) z[k]! += model.weights[base + k]! * v;
  }
  return z;
}

function softmaxInPlace(z: Float64Array): Float64Array {
  const max = Math.max(...z);
  let sum = 0;
  for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k]! - max);
  for (let k = 0; k < K; k++) z[k]! /= sum;
  return z;
}

export function trainIntentModel(examples: readonly IntentExample[], opts: TrainOptions = {}): IntentModel {
  const { epochs = 15, learningRate = 0.5, l2 = 1e-4, seed = 16 } = opts;
  const vocabulary = new Map<string, number>();
  const data = examples.map((e) => ({ x: vectorise(e.text, vocabulary, vocabulary), y: classIndex.get(e.intent)! }));
  const weights = new Float64Array(vocabulary.size * K);
  const bias = new Float64Array(K);
  const gW = new Float64Array(weights.length).fill(1e-8);
  const gB = new Float64Array(K).fill(1e-8);
  const random = mulberry32(seed);
  const order = data.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const n of order) {
      const { x, y } = data[n]!;
      const p = softmaxInPlace(logits({ weights, bias }, x));
      for (let k = 0; k < K; k++) {
        const g = p[k]! - (k === y ? 1 : 0);
        // a class the example already rules out teaches nothing: skipping it makes training ~5x faster
        if (Math.abs(g) < 1e-4) continue;
        gB[k]! += g * g;
        bias[k]! -= (learningRate * g) / Math.sqrt(gB[k]!);
        for (let j = 0; j < x.idx.length; j++) {
          const w = x.idx[j]! * K + k;
          const gw = g * x.val[j]! + l2 * weights[w]!;
          gW[w]! += gw * gw;
          weights[w]! -= (learningRate * gw) / Math.sqrt(gW[w]!);
        }
      }
    }
  }
  return { vocabulary, weights, bias };
}

/** Probability of each intent, in INTENTS order; an industry (education, finance, …) favours its own intents. */
export function intentProbabilities(model: IntentModel, text: string, industry?: string): Float64Array {
  const z = logits(model, vectorise(text, model.vocabulary));
  if (industry && isIntentIndustry(industry)) {
    const favoured = new Set<string>([...INDUSTRY_INTENTS[industry], ...INDUSTRY_INTENTS.generic]);
    INTENTS.forEach((intent, k) => {
      if (favoured.has(intent)) z[k]! += Math.log(INDUSTRY_PRIOR);
    });
  }
  return softmaxInPlace(z);
}

/** The likeliest intent and its probability. */
export function topIntent(model: IntentModel, text: string, industry?: string): { intent: Intent; confidence: number } {
  // nothing the model has seen (silence, noise, another language): no intent, not the likeliest prior
  if (!vectorise(text, model.vocabulary).idx.length) return { intent: INTENTS[0]!, confidence: 0 };
  const p = intentProbabilities(model, text, industry);
  let best = 0;
  for (let k = 1; k < K; k++) if (p[k]! > p[best]!) best = k;
  return { intent: INTENTS[best]!, confidence: p[best]! };
}
