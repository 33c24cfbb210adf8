/**
 * `npm run eval:intents`: how well the intent classifier understands (scripts/lib/intent-eval.ts):
 * per-intent precision and recall under 5-fold cross-validation, accuracy by language, our unseen
 * paraphrases, opt-out recall and false opt-outs, confusion pairs, latency, training time, memory.
 */
import { confusions, evaluateIntents, perIntent } from './lib/intent-eval';

const pct = (x: number) => (Number.isNaN(x) ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

const e = evaluateIntents();
console.log(`training data: ${e.examples} given utterances (+ ${e.extra} of ours, always in training), 5-fold cross-validation on the given ones\n`);
console.log('intent               precision  recall');
for (const r of perIntent(e.cv)) console.log(`${r.intent.padEnd(20)} ${pct(r.precision)}    ${pct(r.recall)}`);
console.log(`\ncross-validated accuracy   ${pct(e.cvAccuracy)}   (zh ${pct(e.cvByLang.zh!)}, en ${pct(e.cvByLang.en!)})`);
console.log(`unseen paraphrases         ${pct(e.unseenAccuracy)}   (${e.unseen.length}: zh ${pct(e.unseenByLang.zh!)}, en ${pct(e.unseenByLang.en!)})`);
console.log(`out of scope → unknown     ${pct(e.outOfScopeUnknown)}   (${e.outOfScope.length})`);
console.log(`opt-out recall             ${pct(e.optOutRecall.training)} training (cross-validated + unseen), ${pct(e.optOutRecall.paraphrases)} of ${e.optOutRecall.paraphraseCount} paraphrases`);
console.log(`false opt-outs             ${pct(e.falseOptOuts.rate)}   (of ${e.falseOptOuts.of} other utterances)`);
for (const r of e.optOutRecall.missed) console.log(`  MISSED opt-out: ${r.text} → ${r.predicted}`);
for (const r of e.falseOptOuts.rows) console.log(`  false opt-out: ${r.text} (${r.intent})`);
console.log('\nconfusions (cross-validated + unseen):');
for (const [pair, n] of confusions([...e.cv, ...e.unseen])) console.log(`  ${String(n).padStart(3)}  ${pair}`);
console.log('\nunseen misses:');
for (const r of e.unseen.filter((r) => r.predicted !== r.intent)) console.log(`  ${r.text}  ${r.intent} → ${r.predicted} (${r.confidence})`);
console.log(`\nclassify latency           p50 ${e.latencyMs.p50.toFixed(3)} ms, p99 ${e.latencyMs.p99.toFixed(3)} ms, max ${e.latencyMs.max.toFixed(2)} ms (CPU time p99 ${e.latencyMs.cpuP99.toFixed(3)} ms)`);
console.log(`training time              ${e.trainingMs.toFixed(0)} ms`);
console.log(`model memory        ${(e.modelBytes / 1024 / 1024).toFixed(1)} MB`);
