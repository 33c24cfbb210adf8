/**
 * `npm start`: the whole system on its embedded defaults — PostgreSQL, the Temporal dev server with
 * its Web UI, the carrier simulator, the worker and the API — and on Ctrl-C or SIGTERM, stops
 * everything it started. Any part configured from outside (DATABASE_URL, TEMPORAL_ADDRESS,
 * REDIAL_LINES for real Twilio) is used instead of starting it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { newKey } from '../services/keys';
import { startChild, stopChild } from './lib/exec';
import { preferredPort } from './lib/ports';
import { defaultDataDir, startStack, type Stack } from './lib/stack';
import { root } from './lib/tools';
import { simulatorLines } from '../sim/defaults';

const log = (m: string) => console.log(`[start] ${m}`);
const num = (v: string | undefined, d: number) => (v ? Number(v) : d);

const children: Array<{ name: string; child: ChildProcess }> = [];
let stopping = false;
let stack: Stack | undefined;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  // the worker first (it finishes in-flight activities), then what it depends on
  for (const { child } of children.reverse()) await stopChild(child);
  await stack?.stop();
  log('stopped');
  process.exit(code);
}

/**
 * `npm start` runs us under npm → sh → tsx. npm passes SIGTERM only to its direct child, and sh
 * does not pass it on, so a SIGTERM to npm would orphan us. Watching our ancestors makes any of
 * them ending (or a signal to us) stop everything.
 */
function watchAncestors() {
  const chain: number[] = [];
  try {
    for (let pid = process.ppid; pid > 1 && chain.length < 4; ) {
      chain.push(pid);
      pid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    }
  } catch {
    // no /proc (macOS): watch the direct parent only
  }
  if (chain.length === 0) chain.push(process.ppid);
  setInterval(() => {
    for (const pid of chain) {
      try {
        process.kill(pid, 0);
      } catch {
        log(`parent process ${pid} ended`);
        void shutdown(0);
        return;
      }
    }
  }, 500).unref();
}

async function main() {
  const dataDir = process.env.REDIAL_DATA_DIR ?? defaultDataDir;
  fs.mkdirSync(dataDir, { recursive: true });
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGHUP', () => void shutdown(0));
  watchAncestors();

  stack = await startStack({
    dataDir,
    pgPort: num(process.env.REDIAL_PG_PORT, 5433),
    temporalPort: num(process.env.REDIAL_TEMPORAL_PORT, 7233),
    temporalUiPort: num(process.env.REDIAL_TEMPORAL_UI_PORT, 8233),
    persistTemporal: true,
    log,
  });
  if (stopping) return;

  const apiPort = await preferredPort(num(process.env.REDIAL_API_PORT, 8080));
  const publicUrl = process.env.REDIAL_PUBLIC_URL ?? `http://127.0.0.1:${apiPort}`;
  const realTwilio = Boolean(process.env.REDIAL_LINES);
  const simPort = realTwilio ? undefined : await preferredPort(num(process.env.SIM_PORT, 4010));
  const simUrl = simPort ? `http://127.0.0.1:${simPort}` : undefined;

  // a generated admin key is kept with the embedded data, so it survives restarts
  const keyFile = path.join(dataDir, 'admin-key');
  const adminKey = process.env.REDIAL_ADMIN_KEY ?? (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : newKey());
  if (!process.env.REDIAL_ADMIN_KEY) fs.writeFileSync(keyFile, adminKey, { mode: 0o600 });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    REDIAL_PUBLIC_URL: publicUrl,
    REDIAL_API_PORT: String(apiPort),
    REDIAL_ADMIN_KEY: adminKey,
    ...(simUrl ? { REDIAL_LINES: JSON.stringify(simulatorLines), TWILIO_API_BASE_URL: simUrl, SIM_PORT: String(simPort), SIM_INBOUND_SMS_URL: `${publicUrl}/twilio/sms/inbound` } : {}),
  };
  const spawnTs = (name: string, file: string) => {
    const child = startChild(name, process.execPath, ['--import', 'tsx', path.join(root, file)], { env, cwd: root });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        log(`${name} exited (${signal ?? code}); stopping everything`);
        void shutdown(1);
      }
    });
    children.push({ name, child });
  };
  if (simUrl) spawnTs('sim', 'sim/main.ts');
  spawnTs('api', 'api/main.ts');
  await waitFor(`http://127.0.0.1:${apiPort}/healthz`, 120_000);
  spawnTs('worker', 'worker/main.ts');

  console.log(`
  Redial is running.
    API            http://127.0.0.1:${apiPort}
    API docs       http://127.0.0.1:${apiPort}/docs   (spec: /openapi.json)
    Temporal UI    ${stack.temporalUiUrl ?? '(external Temporal: ' + stack.temporalAddress + ')'}
    Temporal       ${stack.temporalAddress}
    Carrier        ${simUrl ? simUrl + '  (simulator; calls at ' + simUrl + '/sim/calls)' : 'Twilio (REDIAL_LINES)'}
    PostgreSQL     ${stack.databaseUrl}
    Admin API key  ${adminKey}

  Try:  curl -s -X POST http://127.0.0.1:${apiPort}/v1/events -H "authorization: Bearer ${adminKey}" \\
          -H 'content-type: application/json' -d '{"type":"lead.created","phone":"+14155550127","contact":{"timeZone":"UTC"}}'
  Ctrl-C stops everything.
`);
}

async function waitFor(url: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs / 1000}s`);
}

main().catch((err) => {
  console.error('[start] failed:', err);
  void shutdown(1);
});
