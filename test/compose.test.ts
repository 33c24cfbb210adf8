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

type Service = { image?: string; build?: unknown; depends_on?: Record<string, unknown>; environment?: Record<string, string>; ports?: string[] };

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
    assert.match(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'), /postgresql-client/, 'pg_dump is in the image');
  });
});
