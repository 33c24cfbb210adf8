/**
 * Production mode (REDIAL_ENV=production, or NODE_ENV=production as in the Docker image): the
 * carrier simulator's lines, whose auth tokens are public, are refused in REDIAL_LINES and in the
 * lines table — a real API process refuses to start on such a database, with a message that says
 * what to do. And the API docs keep the key out of localStorage.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { apiConfigSchema } from '../api/config';
import { connect } from '../db/client';
import { SIMULATOR_ACCOUNT_SIDS } from '../domain/vocabulary';
import { bootstrap } from '../services/bootstrap';
import { isProduction, parseConfig } from '../services/config';
import { newKey } from '../services/keys';
import { simulatorLines } from '../sim/defaults';
import { freshDatabase, temporalAddress, testKeyring } from './helpers/env';
import { generateSecrets } from '../services/keyring';

const root = path.resolve(__dirname, '..');

/** Runs the real API process until it exits or says it listens (then stops it); its output. */
function runApi(env: Record<string, string>): Promise<{ code: number | null; listening: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let listening = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (!listening && /\[api\] listening on/.test(output)) {
        listening = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, listening, output });
    });
  });
}

describe('production mode', () => {
  test("the domain's list of simulator accounts is the simulator's", () => {
    assert.deepEqual([...SIMULATOR_ACCOUNT_SIDS].sort(), simulatorLines.map((l) => l.accountSid).sort());
  });

  test('REDIAL_ENV, else NODE_ENV, decides; the simulator lines are refused in REDIAL_LINES in production only', () => {
    assert.equal(isProduction({ NODE_ENV: 'production' }), true);
    assert.equal(isProduction({ NODE_ENV: 'production', REDIAL_ENV: 'development' }), false);
    assert.equal(isProduction({}), false);
    const env = { DATABASE_URL: 'postgres://x@127.0.0.1/x', REDIAL_LINES: JSON.stringify(simulatorLines), ...generateSecrets() };
    assert.equal(parseConfig(apiConfigSchema, env).REDIAL_LINES?.length, 3, 'development: the simulator is how it runs');
    for (const prod of [{ REDIAL_ENV: 'production' }, { NODE_ENV: 'production' }]) {
      assert.throws(() => parseConfig(apiConfigSchema, { ...env, ...prod }), (err: Error) => {
        assert.match(err.message, /REDIAL_LINES: the simulator's lines \(sim-premium, sim-standard, sim-backup\) are refused in production/);
        for (const l of simulatorLines) assert.ok(!err.message.includes(l.authToken), 'no token in the message');
        return true;
      });
    }
    const real = [{ id: 'cn-1', accountSid: `AC${'ab'.repeat(16)}`, authToken: 'a-real-token-1', fromNumber: '+8613800000001', tier: 'premium', cps: 5 }];
    assert.equal(parseConfig(apiConfigSchema, { ...env, REDIAL_ENV: 'production', REDIAL_LINES: JSON.stringify(real) }).REDIAL_LINES?.[0]?.id, 'cn-1');
  });

  test('an API started in production refuses a database that holds the simulator lines, naming them and the fix; without them it starts', async () => {
    const database = await freshDatabase();
    try {
      // the database once ran against the simulator (npm start registers its lines)
      await bootstrap(database.db, { keyring: testKeyring(), adminKey: newKey(), lines: simulatorLines });
      await assert.rejects(bootstrap(database.db, { keyring: testKeyring(), lines: [], production: true }), /refusing to start in production: the lines table holds the carrier simulator's lines \(sim-backup, sim-premium, sim-standard\)/);
      const env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporalAddress(), REDIAL_API_PORT: '0', REDIAL_ADMIN_KEY: newKey(), REDIAL_ENV: 'production', REDIAL_LINES: '' };
      const refused = await runApi(env);
      assert.equal(refused.listening, false, refused.output);
      assert.equal(refused.code, 1);
      assert.match(refused.output, /refusing to start in production: the lines table holds the carrier simulator's lines \(sim-backup, sim-premium, sim-standard\)/);
      assert.match(refused.output, /DELETE FROM lines WHERE id IN \('sim-backup', 'sim-premium', 'sim-standard'\)/);
      for (const l of simulatorLines) assert.ok(!refused.output.includes(l.authToken), 'no token in the output');
      // the operator deletes them: the same process starts
      await database.sql`delete from lines where id in ('sim-backup', 'sim-premium', 'sim-standard')`;
      const started = await runApi(env);
      assert.equal(started.listening, true, started.output);
    } finally {
      await database.close();
    }
  });

  test('Swagger UI does not persist the API key in localStorage, and clears one left by an earlier page', async () => {
    const app = createApp({ keyring: testKeyring(),
      db: connect('postgres://nobody@127.0.0.1:1/none', { max: 1 }).db,
      temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
      taskQueue: 't',
      publicUrl: 'http://127.0.0.1:1',
      defaultRegion: 'CN',
      tenant: 'default',
      log: () => {},
    });
    const res = await app.request('/docs');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /persistAuthorization: false/);
    assert.doesNotMatch(html, /persistAuthorization: true/);
    assert.match(html, /localStorage\.removeItem\('authorized'\)/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});
