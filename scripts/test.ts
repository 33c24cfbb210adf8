/**
 * `npm test`: installs what the tests need (once), starts a real PostgreSQL and a real Temporal dev
 * server on free ports, migrates a template database, builds the workflow bundle once, runs every
 * test file with node's test runner, and stops everything. Workflow tests start their own
 * time-skipping test server from the installed binary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import postgres from 'postgres';
import { bundleWorkflowCode } from '@temporalio/worker';
import { migrateDb } from '../db/client';
import { workflowsPath } from '../worker/create';
import { freePort } from './lib/ports';
import { startStack } from './lib/stack';
import { composeSchemaPath, root, temporalTestServerPath } from './lib/tools';

const log = (m: string) => console.log(`[test] ${m}`);

async function main() {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-test-'));
  fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL may run as another user (root → postgres)
  const testServer = await temporalTestServerPath(log);
  const composeSchema = await composeSchemaPath(log);
  const stack = await startStack({
    dataDir,
    pgPort: await freePort(),
    temporalPort: await freePort(),
    temporalUiPort: await freePort(),
    persistTemporal: false,
    fast: true,
    log,
  });
  let code = 1;
  try {
    // every test file clones this database, so each starts from a migrated, empty schema
    const template = 'redial_template';
    const admin = postgres(stack.adminUrl ?? stack.databaseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${template}`);
    await admin.unsafe(`create database ${template}`);
    await admin.end();
    const templateUrl = new URL(stack.databaseUrl);
    templateUrl.pathname = `/${template}`;
    await migrateDb(templateUrl.toString());

    const bundle = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, info() {}, warn: console.warn, error: console.error, debug() {}, trace() {} } as never });
    const bundlePath = path.join(dataDir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    log(`infrastructure ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const files = process.argv.slice(2).length
      ? process.argv.slice(2)
      : fs
          .readdirSync(path.join(root, 'test'))
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => path.join('test', f));
    code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=3', '--test-timeout=600000', ...files], {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          REDIAL_TEST_PG_URL: stack.adminUrl ?? stack.databaseUrl,
          REDIAL_TEST_TEMPLATE_DB: template,
          TEMPORAL_ADDRESS: stack.temporalAddress,
          REDIAL_TEST_WORKFLOW_BUNDLE: bundlePath,
          ...(testServer ? { TEMPORAL_TEST_SERVER_PATH: testServer } : {}),
          ...(composeSchema ? { REDIAL_TEST_COMPOSE_SCHEMA: composeSchema } : {}),
        },
      });
      child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
    });
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  process.exit(code);
}

main().catch((err) => {
  console.error('[test] failed:', err);
  process.exit(1);
});
