/**
 * What a fresh database needs before the first request: the default campaign, the configured
 * carrier lines and the admin key. Idempotent: it runs at every start.
 */
import type { Db } from '../db/client';
import { ensureCampaign } from '../db/queries/campaigns';
import { hasLiveAdminKey } from '../db/queries/keys';
import { DEFAULT_CAMPAIGN } from '../workflows/constants';
import { registerKey, newKey } from './keys';
import type { LineConfig } from './config';
import type { Keyring } from './keyring';
import { applyConfiguredLines, sealClearTokens } from './lines';

export async function bootstrap(db: Db, opts: { adminKey?: string; uiCodecKey?: string; lines: readonly LineConfig[]; keyring: Keyring }): Promise<{ adminKey: string | null; generated: boolean }> {
  await ensureCampaign(db, { id: DEFAULT_CAMPAIGN, name: 'Default', strategy: {}, createdBy: 'system' });
  await sealClearTokens(db, opts.keyring);
  await applyConfiguredLines(db, opts.keyring, opts.lines);
  if (opts.uiCodecKey) await registerKey(db, opts.keyring, opts.uiCodecKey, 'operator', 'Temporal Web UI (codec)');
  if (opts.adminKey) {
    await registerKey(db, opts.keyring, opts.adminKey, 'admin', 'REDIAL_ADMIN_KEY');
    return { adminKey: opts.adminKey, generated: false };
  }
  // without a configured key, one admin key is generated on the first start only (and shown then)
  if (await hasLiveAdminKey(db)) return { adminKey: null, generated: false };
  const adminKey = newKey();
  await registerKey(db, opts.keyring, adminKey, 'admin', 'generated at first start');
  return { adminKey, generated: true };
}
