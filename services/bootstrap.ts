/**
 * What a fresh database needs before the first request: the default campaign, the configured
 * carrier lines and the admin key. Idempotent: it runs at every start.
 */
import type { Db } from '../db/client';
import { ensureCampaign } from '../db/queries/campaigns';
import { ensureLines } from '../db/queries/lines';
import { DEFAULT_CAMPAIGN } from '../workflows/constants';
import { registerKey, newKey } from './keys';
import type { LineConfig } from './config';

export async function bootstrap(db: Db, opts: { adminKey?: string; lines: readonly LineConfig[] }): Promise<{ adminKey: string; generated: boolean }> {
  await ensureCampaign(db, { id: DEFAULT_CAMPAIGN, name: 'Default', strategy: {}, createdBy: 'system' });
  await ensureLines(db, opts.lines.map((l) => ({ ...l })));
  const adminKey = opts.adminKey ?? newKey();
  await registerKey(db, adminKey, 'admin', opts.adminKey ? 'REDIAL_ADMIN_KEY' : 'generated at start');
  return { adminKey, generated: !opts.adminKey };
}
