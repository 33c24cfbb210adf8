/** What scripts/test.ts provides to every test file. */
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import postgres from 'postgres';
import { connect, type DbHandle } from '../../db/client';
import { keyringOf } from '../../services/config';
import { generateSecrets, type Keyring } from '../../services/keyring';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts PostgreSQL and Temporal`);
  return v;
}

export const temporalAddress = () => required('TEMPORAL_ADDRESS');

/**
 * The run's secrets (scripts/test.ts generates them once and every process inherits them): the
 * keyring that names cadences, seals line tokens and encrypts payloads, as in production.
 */
export function testKeyring(): Keyring {
  if (!process.env.REDIAL_DATA_KEYS || !process.env.REDIAL_HASH_SECRET) Object.assign(process.env, generateSecrets());
  return keyringOf({ REDIAL_DATA_KEYS: process.env.REDIAL_DATA_KEYS!, REDIAL_HASH_SECRET: process.env.REDIAL_HASH_SECRET! });
}
export const workflowBundle = () => (process.env.REDIAL_TEST_WORKFLOW_BUNDLE ? { codePath: process.env.REDIAL_TEST_WORKFLOW_BUNDLE } : undefined);
export const uid = () => randomBytes(4).toString('hex');

/** A fresh database cloned from the migrated template, dropped by `close()`. */
export async function freshDatabase(): Promise<DbHandle & { url: string }> {
  const adminUrl = required('REDIAL_TEST_PG_URL');
  const name = `t_${uid()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${required('REDIAL_TEST_TEMPLATE_DB')}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const h = connect(url.toString(), { max: 10 });
  return {
    ...h,
    url: url.toString(),
    async close() {
      await h.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/**
 * Registers `before`/`after` hooks in the calling suite that start a harness and stop it, and
 * returns a handle to it usable inside the tests: one line per test file instead of a set-up block.
 */
export function useHarness<T extends object>(start: () => Promise<T>, stop: (h: T) => Promise<void>): T {
  let harness: T | undefined;
  before(async () => {
    harness = await start();
  });
  after(async () => {
    if (harness) await stop(harness);
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!harness) throw new Error('the harness is used before its before() hook ran: use it inside a test');
      return harness[key as keyof T];
    },
  });
}
