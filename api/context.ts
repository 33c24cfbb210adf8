import type { Client } from '@temporalio/client';
import type { CountryCode } from 'libphonenumber-js';
import type { Db } from '../db/client';
import type { Keyring } from '../services/keyring';

import type { Role } from '../domain/vocabulary';

export type { Role };

export interface Principal {
  keyId: string;
  role: Role;
}

export interface AppDeps {
  db: Db;
  temporal: Client;
  /** Names cadences, seals secrets at rest, encodes and decodes payloads for the codec server. */
  keyring: Keyring;
  /** The worker's task queue (one per test in the suite; TASK_QUEUE in production). */
  taskQueue: string;
  /** The base URL the carrier uses to reach us; webhook signatures are computed over it. */
  publicUrl: string;
  defaultRegion: CountryCode;
  tenant: string;
  log: (msg: string, err?: unknown) => void;
  /** Browser origins allowed to call the codec server (the Temporal Web UI's); none by default. */
  codecCorsOrigins?: string[];
  /** Prefix of the schedule ids (tests share one Temporal server); '' in production. */
  schedulePrefix?: string;
}

/** Hono environment: dependencies and the caller arrive as typed context variables. */
export interface AppEnv {
  Variables: {
    deps: AppDeps;
    principal: Principal;
  };
}
