/**
 * The maintained sensitive-word lists: the built-in words (domain/sensitive-words.ts) and the
 * ones operators add, versioned (each change counts one) and audited. A strategy is screened
 * against its campaign's list when it is saved — a hit refuses it (422, each word and where);
 * the monthly routine screens the scripts in use and the month's call transcripts.
 */
import type { Db, Tx } from '../db/client';
import { audit } from '../db/queries/audit';
import { insertWord, liveWords, lockWordList, markWordRemoved, wordListVersion } from '../db/queries/sensitive-words';
import { BUILT_IN_WORDS, screenValue, wordsFor, type PlacedHit, type SensitiveWord, type WordCategory, type WordScope } from '../domain/sensitive-words';
import { conflict, notFound, ServiceError, ServiceErrorCode } from './errors';

export interface ListedWord extends SensitiveWord {
  /** null for a built-in word (it changes with the code, not through the API). */
  id: number | null;
  addedBy: string | null;
  addedInVersion: number;
}

export interface WordList {
  version: number;
  words: ListedWord[];
}

/** The whole list now: built-in words first, then operators' additions. */
export async function currentWordList(db: Tx): Promise<WordList> {
  const [version, rows] = await Promise.all([wordListVersion(db), liveWords(db)]);
  return {
    version,
    words: [
      ...BUILT_IN_WORDS.map((w) => ({ ...w, id: null, addedBy: null, addedInVersion: 0 })),
      ...rows.map((r) => ({ id: r.id, scope: r.scope as WordScope, word: r.word, category: r.category as WordCategory, addedBy: r.addedBy, addedInVersion: r.addedInVersion })),
    ],
  };
}

/** Adds a word to a list; conflict when the list already holds it. Returns the list's new version. */
export async function addWord({ db }: { db: Db }, input: { scope: WordScope; word: string; category: WordCategory; actor: string }): Promise<{ version: number; word: ListedWord }> {
  const word = input.word.trim();
  return db.transaction(async (tx) => {
    await lockWordList(tx);
    const inBuiltIn = BUILT_IN_WORDS.some((w) => w.scope === input.scope && w.word.toLowerCase() === word.toLowerCase());
    const version = (await wordListVersion(tx)) + 1;
    const row = inBuiltIn ? null : await insertWord(tx, { scope: input.scope, word, category: input.category, addedBy: input.actor, addedInVersion: version });
    if (!row) throw conflict(`The ${input.scope} list already holds "${word}".`);
    await audit(tx, { actor: input.actor, action: 'sensitive-word.add', target: String(row.id), after: { scope: row.scope, word: row.word, category: row.category, version } });
    return { version, word: { id: row.id, scope: input.scope, word: row.word, category: input.category, addedBy: row.addedBy, addedInVersion: version } };
  });
}

/** Removes a word an operator added (built-in words stay). Returns the list's new version. */
export async function removeWord({ db }: { db: Db }, input: { id: number; actor: string }): Promise<{ version: number }> {
  return db.transaction(async (tx) => {
    await lockWordList(tx);
    const version = (await wordListVersion(tx)) + 1;
    const row = await markWordRemoved(tx, input.id, input.actor, version);
    if (!row) throw notFound(`No added sensitive word ${input.id} (built-in words cannot be removed).`);
    await audit(tx, { actor: input.actor, action: 'sensitive-word.remove', target: String(row.id), before: { scope: row.scope, word: row.word, category: row.category }, after: { version } });
    return { version };
  });
}

/** The sensitive words in a strategy of a campaign of this industry, each with where it is. */
export async function screenStrategy(db: Tx, industry: string | null, strategy: unknown): Promise<PlacedHit[]> {
  return screenValue(strategy, wordsFor(industry, (await currentWordList(db)).words));
}

/** Refuses a strategy holding sensitive words: 422 `sensitive_words`, naming each word and where. */
export async function assertNoSensitiveWords(db: Tx, industry: string | null, strategy: unknown): Promise<void> {
  const hits = await screenStrategy(db, industry, strategy);
  if (!hits.length) return;
  throw new ServiceError(
    ServiceErrorCode.sensitiveWords,
    `The strategy holds ${hits.length} sensitive word(s): ${hits.map((h) => `"${h.word}" in ${h.path}`).join(', ')}.`,
    hits.map((h) => ({ path: `strategy.${h.path}`, message: `sensitive word "${h.word}" (${h.category}) at character ${h.index}` })),
  );
}
