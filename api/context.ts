import type { Client } from '@temporalio/client';
import type { CountryCode } from 'libphonenumber-js';
import type { Db } from '../db/client';

import type { Role } from '../domain/vocabulary';

export type { Role };

export interface Principal {
  keyId: string;
  role: Role;
}

export interface AppDeps {
  db: Db;
  temporal: Client;
  /** The worker's task queue (one per test in the suite; TASK_QUEUE in production). */
  taskQueue: string;
  /** The base URL the carrier uses to reach us; webhook signatures are computed over it. */
  publicUrl: string;
  defaultRegion: CountryCode;
  tenant: string;
  log: (msg: string, err?: unknown) => void;
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
