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
import { migrateDb } from '../db/client';
import { generateSecrets } from '../services/keyring';
import { redactPhones, unmaskedPhones } from '../domain/phone';
import { freePort } from './lib/ports';
import { environ, pidsWhere } from './lib/proc';
import { startStack } from './lib/stack';
import { writeWorkflowBundle } from './lib/workflow-bundle';
import { chromiumPath, composeSchemaPath, root, temporalTestServerPath } from './lib/tools';

const log = (m: string) => console.log(`[test] ${m}`);

/**
 * Time budgets: CI gives the whole run 90 minutes, so a test that hangs past its file's 10-minute
 * timeout (or a process that never exits) is stopped by the runner, reported, and the run still ends.
 */
const PARALLEL_BUDGET_MS = Number(process.env.REDIAL_TEST_BUDGET_MIN ?? 50) * 60_000;
const SERIAL_BUDGET_MS = 15 * 60_000;
const WHOLE_RUN_BUDGET_MS = PARALLEL_BUDGET_MS + SERIAL_BUDGET_MS + 10 * 60_000;

async function main() {
  const started = Date.now();
  // last resort: whatever hangs (a server that will not stop included), the run ends, failed
  setTimeout(() => {
    log(`the run exceeded ${WHOLE_RUN_BUDGET_MS / 60_000} minutes; stopping (failed)`);
    for (const g of groups) killGroup(g, 'SIGKILL');
    killLeftovers();
    process.exit(1);
  }, WHOLE_RUN_BUDGET_MS).unref();
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

    const bundlePath = await writeWorkflowBundle(path.join(dataDir, 'workflow-bundle.js'));
    log(`infrastructure ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const files = process.argv.slice(2).length
      ? process.argv.slice(2)
      : fs
          .readdirSync(path.join(root, 'test'))
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => path.join('test', f));
    // *.page.test.ts drive the pages in a real headless Chromium: found, or installed, only when the run has one
    const chromium = files.some((f) => f.endsWith('.page.test.ts')) ? await chromiumPath(log) : undefined;
    const env = {
      // every process of this run carries it: what is still running at the end is found by it and stopped
      REDIAL_TEST_RUN: RUN_MARK,
      // one keyring for the run: every test process and the api/worker children they start share it
      ...generateSecrets(),
      ...process.env,
      REDIAL_TEST_PG_URL: stack.adminUrl ?? stack.databaseUrl,
      REDIAL_TEST_TEMPLATE_DB: template,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      REDIAL_TEST_WORKFLOW_BUNDLE: bundlePath,
      // worker processes the tests start use it too
      REDIAL_WORKFLOW_BUNDLE: bundlePath,
      ...(testServer ? { TEMPORAL_TEST_SERVER_PATH: testServer } : {}),
      ...(composeSchema ? { REDIAL_TEST_COMPOSE_SCHEMA: composeSchema } : {}),
      ...(chromium ? { REDIAL_TEST_CHROMIUM: chromium } : {}),
    };
    // *.serial.test.ts measure timing (pacing): they run after the rest, alone on the machine
    const serial = files.filter((f) => f.endsWith('.serial.test.ts'));
    const parallel = files.filter((f) => !f.endsWith('.serial.test.ts'));
    const runs = [];
    if (parallel.length) runs.push(await nodeTest(parallel, 3, env, PARALLEL_BUDGET_MS));
    if (serial.length) runs.push(await nodeTest(serial, 1, env, SERIAL_BUDGET_MS));
    let pass = runs.reduce((n, r) => n + r.pass, 0);
    let fail = runs.reduce((n, r) => n + r.fail, 0);
    code = runs.every((r) => r.code === 0) ? 0 : 1;
    // one more check over the whole run: no log line holds a phone number in clear
    if (unmaskedLines.length) {
      fail++;
      code = 1;
      log(`log scan FAILED: ${unmaskedLines.length} logged line(s) hold a phone number in clear, e.g. (masked here):`);
      for (const l of unmaskedLines.slice(0, 10)) log(`  ${l}`);
    } else {
      pass++;
      log('log scan: no phone number in clear in anything the run logged');
    }
    // one summary for both runs, in the plain form CI reads
    console.log(`${pass} passed, ${fail} failed`);
  } finally {
    const left = killLeftovers();
    if (left) log(`stopped ${left} process(es) the tests left running`);
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  process.exit(code);
}

/**
 * Everything the run logged (the test runner's output: the in-process API, worker and Temporal
 * logs, and what child processes print) is scanned for phone numbers in clear: each line that
 * holds one, masked, for the report.
 */
const unmaskedLines: string[] = [];

function scanForNumbers(line: string) {
  // the runner's own lines (test titles, the assertion diffs tests print) are the tests' words, not the product's logs
  if (/^\s*(not )?ok \d+ - |^\s*# Subtest: /.test(line)) return;
  if (unmaskedPhones(line).length) unmaskedLines.push(redactPhones(line.trim()).slice(0, 200));
}

const RUN_MARK = `${process.pid}-${Date.now()}`;

/** SIGKILL to every process started by this run (found by REDIAL_TEST_RUN in its environment). */
function killLeftovers(): number {
  const ours = pidsWhere((pid) => pid !== process.pid && environ(pid).includes(`REDIAL_TEST_RUN=${RUN_MARK}`));
  for (const pid of ours) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  return ours.length;
}

/** Process groups of the test runs under way (each run and everything it starts). */
const groups = new Set<number>();

function killGroup(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(-pid, sig);
  } catch {
    /* the group is gone */
  }
}

/**
 * One `node --test` run in its own process group, its output passed through, its pass/fail counts
 * read from the summary. Past its budget the group is stopped and the run counts as failed; when it
 * ends, whatever it left running (a test's server, an api child) is killed with it.
 */
function nodeTest(files: string[], concurrency: number, env: NodeJS.ProcessEnv, budgetMs: number): Promise<{ code: number; pass: number; fail: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...files], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    const group = child.pid!;
    groups.add(group);
    let overBudget = false;
    const budget = setTimeout(() => {
      overBudget = true;
      log(`test run over its ${budgetMs / 60_000}-minute budget (${files.length} file(s)); stopping it (failed)`);
      killGroup(group, 'SIGTERM');
      setTimeout(() => killGroup(group, 'SIGKILL'), 10_000).unref();
    }, budgetMs);
    let pass = 0;
    let fail = 0;
    let buffered = '';
    let bufferedErr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      const lines = (bufferedErr + chunk.toString()).split('\n');
      bufferedErr = lines.pop() ?? '';
      lines.forEach(scanForNumbers);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        scanForNumbers(line);
        const m = /^# (pass|fail) (\d+)$/.exec(line.trim());
        if (m?.[1] === 'pass') pass = Number(m[2]);
        if (m?.[1] === 'fail') fail = Number(m[2]);
      }
    });
    child.on('exit', (c, sig) => {
      clearTimeout(budget);
      killGroup(group, 'SIGKILL');
      groups.delete(group);
      resolve({ code: overBudget ? 1 : (c ?? (sig ? 1 : 0)), pass, fail: overBudget ? fail + 1 : fail });
    });
  });
}

main().catch((err) => {
  console.error('[test] failed:', err);
  process.exit(1);
});
