/** The type checker, the linter (determinism, floating promises) and the import floors (ARCHITECTURE.md) are part of the suite. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..');
const run = (args: string[]) =>
  new Promise<{ code: number; out: string }>((resolve) =>
    execFile(process.execPath, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );

test('typecheck is clean', async () => {
  const r = await run([path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit']);
  assert.equal(r.code, 0, r.out);
});

test('lint is clean', async () => {
  const r = await run([path.join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
  assert.equal(r.code, 0, r.out);
});

test('imports follow the floors and nothing imports in a cycle', async () => {
  const r = await run([path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', 'domain', 'db', 'workflows', 'services', 'activities', 'api', 'worker', 'scripts', 'sim', 'test']);
  assert.equal(r.code, 0, r.out);
});
