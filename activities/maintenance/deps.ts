/** What the maintenance checks are given: their configuration and the clients they use. */
import type { Client } from '@temporalio/client';
import type { Keyring } from '../../services/keyring';
import type { Db } from '../../db/client';
import type { AlertInput } from '../../workflows/contracts';
import type { LinkProbeConfig } from '../../services/link-probe';
import type { Carrier } from '../carrier';

export interface MaintenanceConfig {
  tenant: string;
  databaseUrl: string;
  /** Where PostgreSQL data and call recordings live (checked for ≥30% free space). */
  dataDir: string;
  recordingsDir: string;
  /** Backup targets: the first is local, the others are copies (directories). */
  backupTargets: string[];
  backupKeep: number;
  /** Where pg_dump and pg_restore are (PG_BINDIR); unset: `pg_config --bindir`, else PATH. */
  pgBinDir?: string;
  /** The simulator's URL when the carrier is the simulator: enables the SMS self-check and the stress test. */
  simUrl?: string;
  /** A number that answers and presses 0 (the simulator: any number ending in 4); unset: the DTMF check is skipped. */
  selfCheckDtmfNumber?: string;
  selfCheckSmsNumber: string;
  selfCheckTimeoutMs: number;
  /** The monthly stress test: the configured peak and how long to hold it. */
  stressCallsPerHour: number;
  stressDurationMs: number;
  recordingRetentionDays: number;
}

export interface MaintenanceDeps {
  db: Db;
  carrier: Carrier;
  temporal?: Client;
  taskQueue: string;
  keyring: Keyring;
  config: MaintenanceConfig;
  raiseAlert: (a: AlertInput) => Promise<number>;
  /** Tests only: where the link check's probe connects; production takes the defaults. */
  linkProbe?: Partial<LinkProbeConfig>;
}
