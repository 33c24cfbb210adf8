/**
 * `npm run fuzz`: a schema-driven fuzz run of the published /openapi.json against the running
 * system (schemathesis from PyPI): every operation, generated valid and invalid inputs, as admin.
 * Passes when no response is a 5xx and every response matches the spec. FUZZ_EXAMPLES (default
 * 50) sets the examples per operation.
 */
import { spawn } from 'node:child_process';
import { startProcesses } from './lib/processes';
import { schemathesisPath } from './lib/tools';

const log = (m: string) => console.log(`[fuzz] ${m}`);

async function main() {
  const st = await schemathesisPath(log);
  const sys = await startProcesses({ log });
  let code = 1;
  try {
    log(`fuzzing ${sys.apiUrl}/openapi.json`);
    code = await new Promise<number>((resolve) => {
      const child = spawn(
        st,
        [
          'run',
          `${sys.apiUrl}/openapi.json`,
          '-H',
          `Authorization: Bearer ${sys.adminKey}`,
          '--checks',
          'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
          '--max-examples',
          process.env.FUZZ_EXAMPLES ?? '50',
          '--request-timeout',
          '30',
          '--seed',
          process.env.FUZZ_SEED ?? '1',
        ],
        { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' } },
      );
      child.on('exit', (c) => resolve(c ?? 1));
    });
  } finally {
    await sys.stop();
  }
  log(code === 0 ? 'no 5xx and no response outside the spec' : `schemathesis found problems (exit ${code})`);
  process.exit(code);
}

main().catch((err) => {
  console.error('[fuzz] failed:', err);
  process.exit(1);
});
