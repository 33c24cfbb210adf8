/**
 * docker-compose.yml cannot run here (no Docker engine), so it is validated: against the
 * compose-spec JSON schema after variable interpolation, and for the wiring Redial needs.
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
  ports?: string[];
  volumes?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; interval?: string; retries?: number };
};

/** A short-syntax volume `source:target[:mode]`. */
const mount = (v: string) => {
  const [source, target, mode] = v.split(':');
  return { source: source!, target: target!, mode };
};

describe('docker-compose.yml', () => {
  const raw = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
  const doc = parse(interpolate(raw, { REDIAL_ADMIN_KEY: 'a'.repeat(32) }), { merge: true }) as { services: Record<string, Service> };

  test('is valid against the compose-spec schema', { skip: schemaPath ? false : 'compose-spec schema not installed (needs Go)' }, () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath!, 'utf8')));
    const ok = validate(doc);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
    // and the schema does reject a broken file, so the check above means something
    assert.equal(validate({ services: { api: { image: 1, restart: ['no'] } } }), false);
  });

  test('refuses to start without an admin key', () => {
    assert.throws(() => interpolate(raw, {}), /REDIAL_ADMIN_KEY is required/);
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
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /postgresql-client/, 'pg_dump is in the image');
    // npm ci runs patch-package: the patches must be in the image before it
    assert.ok(dockerfile.indexOf('COPY patches') >= 0 && dockerfile.indexOf('COPY patches') < dockerfile.indexOf('RUN npm ci'), 'patches/ is copied before npm ci');
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
