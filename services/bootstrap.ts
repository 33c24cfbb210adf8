/**
 * What a fresh database needs before the first request: the default campaign, the configured
 * carrier lines and the admin key. Idempotent: it runs at every start.
 */
import type { Db } from '../db/client';
import { ensureCampaign } from '../db/queries/campaigns';
import { hasLiveAdminKey } from '../db/queries/keys';
import { simulatorLineIds } from '../db/queries/lines';
import { isSimulatorAccount } from '../domain/vocabulary';
import { DEFAULT_CAMPAIGN } from '../workflows/constants';
import { registerKey, newKey } from './keys';
import type { LineConfig } from './config';
import type { Keyring } from './keyring';
import { applyConfiguredLines, sealClearTokens } from './lines';

export async function bootstrap(db: Db, opts: { adminKey?: string; uiCodecKey?: string; lines: readonly LineConfig[]; keyring: Keyring; production?: boolean }): Promise<{ adminKey: string | null; generated: boolean }> {
  if (opts.production) await refuseSimulatorLines(db, opts.lines);
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

/**
 * A production process never serves a database holding the simulator's lines: their auth tokens
 * are public (sim/defaults.ts), so anyone could sign webhooks — opt-outs, call outcomes — for them.
 * A database that once ran against the simulator keeps them until they are deleted.
 */
async function refuseSimulatorLines(db: Db, configured: readonly LineConfig[]) {
  const stored = await simulatorLineIds(db);
  const ids = [...new Set([...stored, ...configured.filter((l) => isSimulatorAccount(l.accountSid)).map((l) => l.id)])];
  if (!ids.length) return;
  throw new Error(
    `refusing to start in production: the lines table holds the carrier simulator's lines (${ids.join(', ')}), whose auth tokens are public — anyone could forge signed webhooks for them. ` +
      `Delete them (DELETE FROM lines WHERE id IN (${ids.map((i) => `'${i}'`).join(', ')}); their past attempts keep their line id), or run with REDIAL_ENV=development.`,
  );
}
