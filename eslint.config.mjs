// One lint config. Two jobs: no floating promises anywhere, and workflows/ and the domain/ rules
// they run stay deterministic (Temporal replays workflow code, so it may not touch Node built-ins,
// I/O clients or activity code). Which folder may import which is .dependency-cruiser.cjs's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.redial/**', 'db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflows must be deterministic: no Node built-ins.' })),
            { name: 'twilio', message: 'Carrier calls belong in activities/.' },
            { name: 'postgres', message: 'Database access belongs in activities/.' },
            { name: 'drizzle-orm', message: 'Database access belongs in activities/.' },
            { name: '@temporalio/activity', message: 'Activity context does not exist in workflows.' },
            { name: '@temporalio/client', message: 'Use @temporalio/workflow inside workflows.' },
            { name: '@temporalio/worker', message: 'Use @temporalio/workflow inside workflows.' },
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/**', '**/db', '**/db/**', '**/services', '**/services/**', 'drizzle-orm/*'],
              message: 'Workflows and domain rules are replayed: no database, services or activities (activity contracts live in workflows/contracts.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // the reports page's own script runs in the browser, with Chart.js loaded before it
    files: ['api/reports-page/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', Option: 'readonly', Chart: 'readonly', setInterval: 'readonly', setTimeout: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
