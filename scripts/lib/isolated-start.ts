/**
 * What `npm start` needs to run beside anything else on this machine: a fresh data folder, free
 * ports for every part, an admin key, and an environment holding only the embedded defaults (none
 * of the calling shell's servers). Shared by `npm run bench:cold` and the start tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newKey } from '../../services/keys';
import { freePort } from './ports';

export interface IsolatedStart {
  dir: string;
  key: string;
  ports: { api: number; pg: number; temporal: number; temporalUi: number; sim: number; workerMetrics: number };
  env: NodeJS.ProcessEnv;
}

export async function isolatedStart(prefix: string): Promise<IsolatedStart> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL may run as another user (root → postgres)
  const ports = { api: await freePort(), pg: await freePort(), temporal: await freePort(), temporalUi: await freePort(), sim: await freePort(), workerMetrics: await freePort() };
  const key = newKey();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|REDIAL_|DATABASE_URL$|TEMPORAL_|TWILIO_|SIM_)/.test(k)) env[k] = v;
  Object.assign(env, {
    REDIAL_DATA_DIR: dir,
    REDIAL_RECORDINGS_DIR: path.join(dir, 'recordings'),
    REDIAL_API_PORT: String(ports.api),
    REDIAL_PG_PORT: String(ports.pg),
    REDIAL_TEMPORAL_PORT: String(ports.temporal),
    REDIAL_TEMPORAL_UI_PORT: String(ports.temporalUi),
    REDIAL_WORKER_METRICS_PORT: String(ports.workerMetrics),
    SIM_PORT: String(ports.sim),
    REDIAL_ADMIN_KEY: key,
  });
  return { dir, key, ports, env };
}
