import type { Client } from '@temporalio/client';
import type { CountryCode } from 'libphonenumber-js';
import type { Db } from '../db/client';
import type { Classify } from '../services/call-script';
import type { Keyring } from '../services/keyring';
import type { LinkProbeConfig } from '../services/link-probe';

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
  /** Alerts the API raises (a line closed by an admin, the opt-out playbook) are POSTed here too (REDIAL_OPS_WEBHOOK_URL). */
  opsWebhookUrl?: string;
  /** Browser origins allowed to call the codec server (the Temporal Web UI's); none by default. */
  codecCorsOrigins?: string[];
  /** Prefix of the schedule ids (tests share one Temporal server); '' in production. */
  schedulePrefix?: string;
  /** Understands what a called person says (services/intents.ts); absent: spoken turns get the key menu. */
  classify?: Classify;
  /** A classification slower than this falls back to the key menu (services/call-script.ts). */
  classifyBudgetMs?: number;
  /** Tests only: where the link check's probe connects (services/link-probe.ts); production takes the defaults. */
  linkProbe?: Partial<LinkProbeConfig>;
  /** Rate and concurrency limits (api/config.ts); the defaults of api/limits.ts where not given. */
  limits?: Partial<ApiLimits>;
}

/** A token bucket (api/limits.ts). */
export interface Bucket {
  /** Tokens per second; 0 switches the limit off. */
  rate: number;
  /** Tokens a quiet client has saved up: the burst it may send at once. */
  burst: number;
}

export interface ApiLimits {
  perKey: Bucket;
  perIp: Bucket;
  /** Requests refused 401 per address (key guessing, misconfigured clients): after these, 429 without looking. */
  authFailuresPerIp: Bucket;
  /** A body above this many bytes (or a streamed one where large bodies are allowed) is large… */
  largeBodyBytes: number;
  /** …and at most this many large bodies are read at once, across keys. */
  largeBodies: number;
  /** Take the client address from the last X-Forwarded-For entry (behind one reverse proxy). */
  trustProxy: boolean;
}

/** Hono environment: dependencies and the caller arrive as typed context variables. */
export interface AppEnv {
  Variables: {
    deps: AppDeps;
    principal: Principal;
  };
}
