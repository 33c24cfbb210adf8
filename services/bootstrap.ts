/**
 * What a fresh database needs before the first request: the default campaign, the configured
 * carrier lines and the admin key. Idempotent: it runs at every start.
 */
import type { Db } from '../db/client';
import { ensureCampaign } from '../db/queries/campaigns';
import { ensureLines, simulatorLineIds } from '../db/queries/lines';
import { isSimulatorAccount } from '../domain/vocabulary';
import { DEFAULT_CAMPAIGN } from '../workflows/constants';
import { registerKey, newKey } from './keys';
import type { LineConfig } from './config';

export async function bootstrap(db: Db, opts: { adminKey?: string; lines: readonly LineConfig[]; production?: boolean }): Promise<{ adminKey: string; generated: boolean }> {
  if (opts.production) await refuseSimulatorLines(db, opts.lines);
  await ensureCampaign(db, { id: DEFAULT_CAMPAIGN, name: 'Default', strategy: {}, createdBy: 'system' });
  await ensureLines(db, opts.lines.map((l) => ({ ...l })));
  const adminKey = opts.adminKey ?? newKey();
  await registerKey(db, adminKey, 'admin', opts.adminKey ? 'REDIAL_ADMIN_KEY' : 'generated at start');
  return { adminKey, generated: !opts.adminKey };
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
