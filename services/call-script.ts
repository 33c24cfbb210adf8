/**
 * An answered call's script, carried out (domain/script.ts decides, domain/call-twiml.ts renders):
 * the opening by the campaign's mode from the strategy version the attempt was reserved under,
 * recorded as played; then each turn — a key, or words understood by the classifier (a dependency:
 * any function of texts → intents) — with its consequences: an opt-out through the same path as
 * key 0, the business outcome on the attempt, a callback, a text through the cadence, a hand-over.
 * A classifier that is missing, throws or is too slow drops the call to the basic key menu.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { attemptWithStrategy } from '../db/queries/attempts';
import { recordPlayed, recordScriptResult, recordTurn, turnsOf } from '../db/queries/script';
import { hangUp, openingTwiml, turnTwiml, twiml } from '../domain/call-twiml';
import { UNKNOWN_INTENT } from '../domain/intents/labels';
import { effectiveScript, keyTurn, speechTurn, type Classification, type ScriptMark, type TurnAction } from '../domain/script';
import { signalScriptText } from './cadences';
import { optOutInCall, recordScriptOutcome, type ScriptOutcome } from './carrier-reports';
import { nudgeWatchdog } from './operations';
import { optOutSafeMode } from './opt-out-safety';

/** The classifier's contract (services/intents.ts): one result per text, in order; `unknown` below its threshold. */
export type Classify = (texts: readonly string[], industry?: string) => Classification[];

/** A classification slower than this is not used: the turn falls back to the key menu (the classifier's own target is 5 ms). */
export const DEFAULT_CLASSIFY_BUDGET_MS = 250;

export interface CallScriptDeps {
  db: Db;
  temporal: Client;
  /** Absent: every spoken turn gets the key menu. */
  classify?: Classify;
  classifyBudgetMs?: number;
  /** Prefix of the schedule ids, for nudging the incident watchdog ('' in production). */
  schedulePrefix?: string;
  log: (msg: string, err?: unknown) => void;
}

/** Redial's industries → the classifier's (its training data says local_life). */
const classifierIndustry = (industry: string | null): string | undefined =>
  industry === 'local-services' ? 'local_life' : industry && industry !== 'other' ? industry : undefined;

const CADENCE_OUTCOME: Record<ScriptMark, ScriptOutcome> = { interested: 'converted', 'not-interested': 'not-interested', 'wrong-number': 'wrong-number' };

async function load(db: Db, attemptId: string) {
  const row = await attemptWithStrategy(db, attemptId);
  if (!row) return null;
  const { strategy } = row;
  const industry = row.industry ?? row.contact.industry;
  return { ...row, industry, script: effectiveScript(strategy.script, strategy.announcement.language, industry) };
}

/** The TwiML for a call answered by a person (a machine is services/voicemail.ts). */
export async function answerCall(deps: CallScriptDeps, input: { attemptId: string; gatherUrl: (turn: number) => string }): Promise<string> {
  const row = await load(deps.db, input.attemptId);
  if (!row) return twiml(hangUp());
  // the opt-out path failed its self-check: offer only the opt-out (services/opt-out-safety.ts)
  const mode = (await optOutSafeMode(deps)) ? 'safe' : row.scriptMode;
  const { announcement } = row.strategy;
  const fingerprint = createHash('sha256').update(JSON.stringify(row.script)).digest('hex').slice(0, 16);
  await recordPlayed(deps.db, row.attempt.id, { strategyVersion: row.strategyVersion, mode, announcement, script: fingerprint, at: new Date().toISOString() });
  return openingTwiml(mode, announcement, input.gatherUrl(1));
}

/** What the classifier made of the words, or why there is nothing (the turn then gets the key menu). */
function understand(deps: CallScriptDeps, text: string, industry: string | null): { classification: Classification | null; fallback: string | null } {
  if (!deps.classify) return { classification: null, fallback: 'missing' };
  const started = performance.now();
  try {
    const [c] = deps.classify([text], classifierIndustry(industry));
    if (performance.now() - started > (deps.classifyBudgetMs ?? DEFAULT_CLASSIFY_BUDGET_MS)) return { classification: null, fallback: 'slow' };
    if (!c) return { classification: null, fallback: 'error' };
    return { classification: c, fallback: null };
  } catch (err) {
    // the words never reach a log line: they may hold a name
    deps.log(`call script: the classifier failed (${(err as Error)?.name ?? 'error'}); the turn falls back to the key menu`);
    return { classification: null, fallback: 'error' };
  }
}

/**
 * One turn: the key pressed or the words said in answer to the Gather of turn `turn`. Returns the
 * TwiML that answers it. A turn delivered again (the carrier retried) is answered the same way
 * without acting twice; an opt-out acts every time (it is idempotent, and must never be lost).
 */
export async function answerTurn(
  deps: CallScriptDeps,
  input: { attemptId: string; turn: number; digits?: string; speech?: string; gatherUrl: (turn: number) => string },
): Promise<string> {
  const { db } = deps;
  const row = await load(db, input.attemptId);
  if (!row) return twiml(hangUp());
  const { attempt, script, strategy } = row;
  const safe = await optOutSafeMode(deps);
  const now = Date.now();
  const previous = (await turnsOf(db, attempt.id)).filter((t) => t.turn < input.turn).at(-1);
  const ctx = { turn: input.turn, now, timeZone: row.contact.timeZone, previousIntent: previous?.intent ?? null };
  const mode = row.scriptMode;
  let a: TurnAction;
  let understood: ReturnType<typeof understand> = { classification: null, fallback: null };
  if (input.digits) {
    // in opt-out safe mode the call offered only 0: another key is not an answer to a question it did not ask
    a = keyTurn(script, ctx, safe && input.digits !== '0' ? '#' : input.digits);
  } else if (input.speech && !safe) {
    // a campaign switched to basic mid-call answers words with the key menu
    understood = mode === 'intelligent' ? understand(deps, input.speech, row.industry) : { classification: null, fallback: 'basic-mode' };
    a = speechTurn(script, ctx, understood.classification, input.speech);
  } else {
    a = keyTurn(script, ctx, '#');
  }

  if (a.optOut) await optOutInCall(deps, { attemptId: attempt.id, source: input.digits ? 'dtmf' : 'speech' });
  const actions = [
    ...(a.say.length ? ['answer'] : []),
    ...(a.optOut ? ['opt-out'] : []),
    ...(a.mark ? [`mark:${a.mark}`] : []),
    ...(a.callbackAt !== null ? ['callback'] : []),
    ...(a.sms ? ['sms'] : []),
    ...(a.dial ? ['hand-over'] : []),
    ...(a.next === 'menu' ? ['menu'] : []),
  ];
  const fresh = await recordTurn(db, {
    attemptId: attempt.id,
    campaignId: attempt.campaignId,
    turn: input.turn,
    input: input.digits ? 'dtmf' : 'speech',
    mode,
    intent: a.intent,
    confidence: understood.classification?.confidence ?? null,
    fallback: understood.fallback,
    humanAfterMisunderstanding: a.humanAfterMisunderstanding,
    actions,
  });
  if (fresh) {
    if (a.optOut) await recordScriptResult(db, attempt.id, { scriptOutcome: 'opted-out' });
    if (a.mark) {
      await recordScriptOutcome(db, attempt.id, CADENCE_OUTCOME[a.mark]);
      await recordScriptResult(db, attempt.id, { scriptOutcome: a.mark });
    }
    if (a.callbackAt !== null && !a.optOut) {
      await recordScriptOutcome(db, attempt.id, 'callback');
      await recordScriptResult(db, attempt.id, { scriptOutcome: 'callback', callbackAt: new Date(a.callbackAt) });
    }
    if (a.dial) await recordScriptResult(db, attempt.id, { scriptOutcome: 'handed-over' });
    if (a.sms) await signalScriptText(deps.temporal, attempt.workflowId, { campaignId: attempt.campaignId, attemptId: attempt.id, text: a.sms, at: now });
    if (a.intent === UNKNOWN_INTENT || a.humanAfterMisunderstanding) {
      // the watchdog's rule may be crossed now: let it look at once rather than at its next minute
      await nudgeWatchdog(deps).catch((err: unknown) => deps.log('call script: could not nudge the incident watchdog', err));
    }
  }
  return turnTwiml(a, strategy.announcement.language, input.gatherUrl(input.turn + 1));
}
