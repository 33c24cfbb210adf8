/**
 * docker-compose.yml cannot run here (no Docker engine), so it is validated: against the
 * compose-spec JSON schema after variable interpolation, and for the wiring Redial needs. The
 * Dockerfile and .dockerignore are checked for what goes into the image.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '..');
const schemaPath = process.env.REDIAL_TEST_COMPOSE_SCHEMA;

/** Compose's interpolation: ${VAR:-default}, ${VAR:?error} (given a sample value), $$ → $. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (m, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (m === '$$') return '$';
    const v = env[name!];
    if (v !== undefined && v !== '') return v;
    if (op?.endsWith('-')) return arg ?? '';
    if (op?.endsWith('?')) throw new Error(`${name} is required: ${arg}`);
    return '';
  });
}

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  depends_on?: Record<string, { condition?: string }>;
  environment?: Record<string, string>;
  ports?: Array<string | number>;
  volumes?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; interval?: string; retries?: number };
  deploy?: { replicas?: number };
  container_name?: string;
};

/** A short-syntax volume `source:target[:mode]`. */
const mount = (v: string) => {
  const [source, target, mode] = v.split(':');
  return { source: source!, target: target!, mode };
};

/** A short-syntax port `[ip:]host:container` as its parts (ip undefined: every interface). */
const port = (p: string | number) => {
  const parts = String(p).split(':');
  return parts.length === 3 ? { ip: parts[0], host: parts[1], container: parts[2] } : { ip: undefined, host: parts[0], container: parts[1] ?? parts[0] };
};

const required = { REDIAL_ADMIN_KEY: 'a'.repeat(32), POSTGRES_PASSWORD: 'pw4Compose7', REDIAL_DATA_KEYS: `k1:${'A'.repeat(43)}=`, REDIAL_HASH_SECRET: `${'B'.repeat(43)}=`, REDIAL_METRICS_TOKEN: 'm'.repeat(24), GRAFANA_ADMIN_PASSWORD: 'grafana4Compose' };

describe('docker-compose.yml', () => {
  const raw = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
  const doc = parse(interpolate(raw, required), { merge: true }) as { services: Record<string, Service> };

  test('is valid against the compose-spec schema', { skip: schemaPath ? false : 'compose-spec schema not installed (needs Go)' }, () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath!, 'utf8')));
    const ok = validate(doc);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
    // and the schema does reject a broken file, so the check above means something
    assert.equal(validate({ services: { api: { image: 1, restart: ['no'] } } }), false);
  });

  test('refuses to start without an admin key or a PostgreSQL password', () => {
    assert.throws(() => interpolate(raw, { POSTGRES_PASSWORD: required.POSTGRES_PASSWORD }), /REDIAL_ADMIN_KEY is required/);
    assert.throws(() => interpolate(raw, { REDIAL_ADMIN_KEY: required.REDIAL_ADMIN_KEY }), /POSTGRES_PASSWORD is required/);
    assert.throws(() => interpolate(raw, { ...required, REDIAL_DATA_KEYS: '' }), /REDIAL_DATA_KEYS is required/);
    assert.throws(() => interpolate(raw, { ...required, REDIAL_HASH_SECRET: '' }), /REDIAL_HASH_SECRET is required/);
    assert.throws(() => interpolate(raw, { ...required, REDIAL_METRICS_TOKEN: '' }), /REDIAL_METRICS_TOKEN is required/);
    assert.throws(() => interpolate(raw, { ...required, GRAFANA_ADMIN_PASSWORD: '' }), /GRAFANA_ADMIN_PASSWORD is required/);
    // no default password anywhere: every use of it requires it
    assert.doesNotMatch(raw, /POSTGRES_PASSWORD:-/);
    const s = doc.services;
    assert.equal(s.postgres!.environment!.POSTGRES_PASSWORD, required.POSTGRES_PASSWORD);
    assert.equal(s.temporal!.environment!.POSTGRES_PWD, required.POSTGRES_PASSWORD);
    for (const app of ['api', 'worker']) assert.equal(new URL(s[app]!.environment!.DATABASE_URL!).password, required.POSTGRES_PASSWORD, `${app} connects with it`);
  });

  test('only the TLS proxy listens on every interface; Temporal, its UI and the api on loopback; PostgreSQL not at all', () => {
    const s = doc.services;
    const published = Object.entries(s).flatMap(([name, svc]) => (svc.ports ?? []).map((p) => ({ name, ...port(p) })));
    const everywhere = published.filter((p) => p.ip !== '127.0.0.1');
    assert.deepEqual(everywhere, [{ name: 'proxy', ip: undefined, host: '443', container: '443' }]);
    const on = (name: string) => published.filter((p) => p.name === name).map((p) => `${p.ip}:${p.host}:${p.container}`);
    assert.deepEqual(on('temporal'), ['127.0.0.1:7233:7233']);
    assert.deepEqual(on('temporal-ui'), ['127.0.0.1:8233:8080']);
    assert.deepEqual(on('api'), ['127.0.0.1:8080:8080']);
    assert.deepEqual(on('postgres'), []);
    // the proxy terminates TLS with a mounted certificate and forwards to the api
    const proxy = s.proxy!;
    assert.equal(proxy.depends_on?.api?.condition, 'service_healthy');
    const mounts = (proxy.volumes ?? []).map(mount);
    const caddyfile = mounts.find((m) => m.target === '/etc/caddy/Caddyfile');
    assert.ok(caddyfile && mounts.some((m) => m.target === '/certs' && m.mode === 'ro'), 'the Caddyfile and the certificate are mounted');
    const conf = fs.readFileSync(path.join(root, caddyfile.source), 'utf8');
    assert.match(conf, /^\s*tls \/certs\/tls\.crt \/certs\/tls\.key$/m);
    assert.match(conf, /reverse_proxy api:8080/);
    assert.ok((proxy.healthcheck?.retries ?? 0) > 0);
    // Twilio signs over the public URL: it is the proxy's https one
    assert.match(s.api!.environment!.REDIAL_PUBLIC_URL!, /^https:\/\//);
  });

  test('the api and worker run in production mode and take Temporal TLS settings from the environment', () => {
    for (const app of ['api', 'worker']) {
      const env = doc.services[app]!.environment!;
      assert.equal(env.REDIAL_ENV, 'production');
      for (const v of ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY']) assert.ok(v in env, `${app} passes ${v}`);
    }
    const withCloud = parse(interpolate(raw, { ...required, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' }), { merge: true }) as { services: Record<string, Service> };
    assert.equal(withCloud.services.worker!.environment!.TEMPORAL_ADDRESS, 'ns.acct.tmprl.cloud:7233');
    assert.equal(withCloud.services.api!.environment!.TEMPORAL_API_KEY, 'k');
  });

  test('Prometheus and Grafana are provisioned from ops/: scrape targets with the token, the alert thresholds, the data source and the dashboard', () => {
    const s = doc.services;
    const files = (name: string) => Object.fromEntries((s[name]!.volumes ?? []).map(mount).filter((m) => m.source.startsWith('./')).map((m) => [m.target, m.source]));
    const prom = files('prometheus');
    for (const source of Object.values(prom)) assert.ok(fs.existsSync(path.join(root, source)), `${source} exists`);
    const config = parse(fs.readFileSync(path.join(root, prom['/etc/prometheus/prometheus.yml']!), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; authorization?: { credentials_file: string }; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
    };
    assert.ok(config.rule_files.every((f) => Object.keys(prom).includes(f)), 'the rule files are mounted');
    const job = (n: string) => config.scrape_configs.find((j) => j.job_name === n)!;
    assert.deepEqual(job('redial-api').static_configs?.[0]?.targets, ['api:8080']);
    // the api's /metrics wants the scrape token: Prometheus reads it from the secret the api's variable fills
    assert.equal(job('redial-api').authorization?.credentials_file, '/run/secrets/metrics-token');
    assert.equal((doc as unknown as { secrets: Record<string, { environment: string }> }).secrets['metrics-token']!.environment, 'REDIAL_METRICS_TOKEN');
    assert.equal(s.api!.environment!.REDIAL_METRICS_TOKEN, required.REDIAL_METRICS_TOKEN);
    // every worker replica, on the port it serves (inside the network only: not published)
    const worker = job('redial-worker').dns_sd_configs![0]!;
    assert.deepEqual(worker.names, ['worker']);
    assert.equal(String(worker.port), s.worker!.environment!.REDIAL_WORKER_METRICS_PORT);
    assert.equal(s.worker!.environment!.REDIAL_WORKER_METRICS_HOST, '0.0.0.0');
    assert.deepEqual(s.worker!.ports ?? [], []);
    for (const app of ['api', 'worker']) assert.equal(s[app]!.environment!.LOG_FORMAT, 'json', `${app} logs JSON`);
    // the source's thresholds are the rules' (test/metrics.test.ts checks the metrics they read exist)
    const rules = fs.readFileSync(path.join(root, prom['/etc/prometheus/alerts.yml']!), 'utf8');
    for (const threshold of [/>= 0\.05\b/, />= 0\.003\b/, /< 0\.85\b/, /< 0\.30\b/]) assert.match(rules, threshold);
    const grafana = files('grafana');
    assert.ok(fs.existsSync(path.join(root, grafana['/etc/grafana/provisioning']!, 'datasources', 'prometheus.yml')));
    assert.ok(fs.existsSync(path.join(root, grafana['/var/lib/grafana/dashboards']!, 'redial.json')));
    assert.doesNotMatch(raw, /GRAFANA_ADMIN_PASSWORD:-/, 'no default Grafana password');
  });

  test('runs PostgreSQL, Temporal on PostgreSQL, the Temporal UI, and the api and worker from this repo', () => {
    const s = doc.services;
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api', 'worker']) assert.ok(s[name], `service ${name}`);
    assert.equal(s.temporal!.environment!.DB, 'postgres12');
    assert.equal(s.temporal!.environment!.POSTGRES_SEEDS, 'postgres');
    for (const app of ['api', 'worker']) {
      assert.ok(s[app]!.build, `${app} is built from the Dockerfile`);
      assert.match(s[app]!.environment!.DATABASE_URL!, /@postgres:5432\//);
      assert.equal(s[app]!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
    }
    for (const [name, svc] of Object.entries(s)) for (const dep of Object.keys(svc.depends_on ?? {})) assert.ok(s[dep], `${name} depends on missing ${dep}`);
    assert.ok(fs.existsSync(path.join(root, 'Dockerfile')));
    // the worker keeps its weekly backups in two places and can alert ops
    assert.equal(s.worker!.environment!.REDIAL_BACKUP_DIRS, '/backups/local,/backups/copy');
    assert.ok('REDIAL_OPS_WEBHOOK_URL' in s.worker!.environment!);
  });

  test('runs the worker as replicas that scale out, and the README says how', () => {
    const w = doc.services.worker!;
    assert.ok((w.deploy?.replicas ?? 1) >= 2, `worker replicas: ${w.deploy?.replicas}`);
    // a fixed name or a published port would stop `--scale worker=N` from starting a second one
    assert.equal(w.container_name, undefined);
    assert.deepEqual(w.ports ?? [], []);
    assert.match(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), /docker compose up -d --scale worker=\d+/);
  });

  test('every long-running service is restarted when it exits and has a health check of its own', () => {
    const s = doc.services;
    for (const [name, svc] of Object.entries(s)) {
      if (name === 'temporal-search-attributes') {
        assert.equal(svc.restart, 'no', 'the one-shot set-up is not restarted');
        continue;
      }
      assert.ok(['unless-stopped', 'always'].includes(svc.restart ?? ''), `${name} restarts (restart: ${svc.restart})`);
    }
    const check = (name: string) => (s[name]!.healthcheck?.test ?? []).join(' ');
    assert.match(check('postgres'), /pg_isready/);
    assert.match(check('temporal'), /temporal operator cluster health .*SERVING/);
    assert.match(check('api'), /127\.0\.0\.1:8080\/healthz/);
    // the worker has no port: its check asks Temporal whether this container's worker polls
    assert.match(check('worker'), /scripts\/lib\/worker-health\.ts/);
    assert.ok(fs.existsSync(path.join(root, 'scripts/lib/worker-health.ts')));
    for (const name of ['postgres', 'temporal', 'api', 'worker']) assert.ok((s[name]!.healthcheck?.retries ?? 0) > 0, `${name} health check retries`);
  });

  test('each service waits until what it needs is healthy', () => {
    const s = doc.services;
    const waitsFor = (name: string) => Object.fromEntries(Object.entries(s[name]!.depends_on ?? {}).map(([dep, d]) => [dep, d.condition]));
    assert.deepEqual(waitsFor('temporal'), { postgres: 'service_healthy' });
    assert.deepEqual(waitsFor('api'), { postgres: 'service_healthy', temporal: 'service_healthy' });
    // the api migrates the database before it is healthy; the search attributes are registered once
    assert.deepEqual(waitsFor('worker'), { api: 'service_healthy', 'temporal-search-attributes': 'service_completed_successfully' });
    assert.equal(waitsFor('temporal-ui').temporal, 'service_healthy');
  });

  test("the worker's disk check measures the volumes holding the database and the recordings", () => {
    const s = doc.services;
    const worker = s.worker!;
    const env = worker.environment!;
    const mounts = (worker.volumes ?? []).map(mount);
    const at = (dir: string) => mounts.find((m) => m.target === dir);
    // the volume PostgreSQL keeps its data in, mounted where REDIAL_DATA_DIR points, read-only
    const pgData = (s.postgres!.volumes ?? []).map(mount).find((m) => m.target === '/var/lib/postgresql/data');
    assert.ok(pgData, 'PostgreSQL keeps its data in a volume');
    assert.deepEqual(at(env.REDIAL_DATA_DIR!), { source: pgData.source, target: env.REDIAL_DATA_DIR, mode: 'ro' });
    assert.equal(at(env.REDIAL_RECORDINGS_DIR!)?.source, 'recordings');
    assert.ok('recordings' in (doc as unknown as { volumes: Record<string, unknown> }).volumes);
    // and the backups stay where the weekly routine writes them
    for (const dir of env.REDIAL_BACKUP_DIRS!.split(',')) assert.ok(at(dir), `backup target ${dir} is mounted`);
  });
});

/** Relative imports of a TypeScript file (static, dynamic, require and require.resolve), resolved to files. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|require(?:\.resolve)?\(\s*)'(\.{1,2}\/[^']*)'/g)].map((m) => m[1]!);
  return specs.map((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
    assert.ok(hit, `${path.relative(root, file)} imports ${spec}, which does not exist`);
    return hit;
  });
}

/** Every file the entrypoints load, following relative imports. */
function closure(entries: string[]): string[] {
  const seen = new Set<string>();
  const todo = entries.map((e) => path.join(root, e));
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.endsWith('.ts')) todo.push(...importsOf(f));
  }
  return [...seen].map((f) => path.relative(root, f)).sort();
}

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+\s/.test(l));
  /** `COPY [--flags] src… dest` → the sources. */
  const copied = instructions
    .filter((l) => l.startsWith('COPY '))
    .flatMap((l) => l.replace(/^COPY\s+/, '').split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));

  test('copies only what runs: named folders, never the whole context', () => {
    assert.ok(copied.length > 0);
    for (const src of copied) {
      assert.ok(!['.', './', '*', '/'].includes(src), `COPY ${src} copies the whole context`);
      assert.ok(fs.existsSync(path.join(root, src)), `COPY ${src}: no such file or folder`);
      for (const never of ['test', 'sim', '.redial', '.tools', 'node_modules', '.git', 'scripts']) assert.notEqual(src.replace(/\/$/, ''), never, `${never} is not copied whole`);
    }
    // everything the api, the worker (and the workflows it bundles at start) and its health check load is in the image
    const needed = closure(['api/main.ts', 'worker/main.ts', 'scripts/lib/worker-health.ts']);
    assert.ok(needed.includes('workflows/index.ts') && needed.includes('db/client.ts'), 'the closure follows the imports');
    const inImage = (f: string) => copied.some((src) => f === src || f.startsWith(`${src.replace(/\/$/, '')}/`));
    assert.deepEqual(needed.filter((f) => !inImage(f)), [], 'files the processes load but the image lacks');
    assert.ok(inImage('db/migrations/0000_init.sql'), 'the migrations the api applies at start');
    assert.ok(!inImage('sim/server.ts') && !inImage('test/compose.test.ts') && !inImage('scripts/start.ts'));
  });

  test('npm installs without running any install script; the patches are applied explicitly; the processes do not run as root', () => {
    assert.match(dockerfile, /postgresql-client/, 'pg_dump is in the image');
    const ci = instructions.find((l) => /npm ci/.test(l));
    assert.ok(ci, 'npm ci');
    assert.match(ci, /npm ci [^&]*--ignore-scripts/);
    assert.match(ci, /--omit=dev/);
    // postinstall (patch-package) did not run: the patches are applied after npm ci, from patches/ copied before it
    assert.ok(ci.indexOf('patch-package') > ci.indexOf('npm ci'), 'patch-package runs after npm ci');
    assert.ok(dockerfile.indexOf('COPY patches') >= 0 && dockerfile.indexOf('COPY patches') < dockerfile.indexOf('npm ci'), 'patches/ is copied before npm ci');
    assert.ok(fs.readdirSync(path.join(root, 'patches')).length > 0);
    const users = instructions.filter((l) => l.startsWith('USER '));
    assert.equal(users.at(-1), 'USER node', 'the image runs as node');
    assert.match(dockerfile, /REDIAL_ENV=production/);
  });

  test('.dockerignore keeps secrets, data, backups, dependencies and test artefacts out of the build context', () => {
    const ignored = new Set(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    for (const p of ['.env', '.env.*', '**/.env', '.redial', '.tools', 'node_modules', 'backups', 'backups-copy', '**/*.dump', 'test', '.git']) assert.ok(ignored.has(p), `.dockerignore lists ${p}`);
    assert.ok(![...ignored].some((p) => p.startsWith('!')), 'nothing is let back in');
  });
});
