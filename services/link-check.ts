/**
 * Link checks: every URL in the active strategies (SMS texts, scripts, any string) is probed
 * (services/link-probe.ts) daily by the maintenance routine and when a strategy is saved. The
 * latest result per URL is stored (link_status): a dead one flags each campaign whose strategy
 * carries it (GET /v1/campaigns/{id} `deadLinks`), alerts ops, and — with `onDeadLink: hold-sms`,
 * the default — makes the gate hold every SMS whose text carries it until the link answers again.
 */
import type { Db, Tx } from '../db/client';
import { liveCampaignStrategies } from '../db/queries/campaigns';
import { linkStatuses, saveLinkStatus } from '../db/queries/links';
import { urlsIn } from '../domain/links';
import { isSynthetic } from '../domain/maintenance';
import type { RaiseAlert } from './alerts';
import { defaultLinkProbe, probeLinks, type LinkProbeConfig, type LinkResult } from './link-probe';

export type { LinkProbeConfig, LinkResult };

export interface LinkCheckDeps {
  db: Db;
  raiseAlert: RaiseAlert;
  /** Tests point host names at a local server here; production takes the defaults. */
  linkProbe?: Partial<LinkProbeConfig>;
}

export interface DeadLink {
  url: string;
  /** Where in the strategy, e.g. `sms.text`. */
  path: string;
  problem: string;
  checkedAt: string;
}

const probeConfig = (deps: Pick<LinkCheckDeps, 'linkProbe'>): LinkProbeConfig => ({ ...defaultLinkProbe, ...deps.linkProbe });

async function probeAndStore(deps: LinkCheckDeps, urls: string[]): Promise<LinkResult[]> {
  const results = await probeLinks(probeConfig(deps), [...new Set(urls)]);
  await saveLinkStatus(deps.db, results.map(({ url, ok, problem, httpStatus, chain, ms }) => ({ url, ok, problem, httpStatus, chain, ms })));
  return results;
}

/** The strategy's dead links as last checked (a campaign's flag). */
export async function deadLinksOf(db: Tx, strategy: unknown): Promise<DeadLink[]> {
  const found = urlsIn(strategy);
  const dead = new Map((await linkStatuses(db, found.map((f) => f.url))).filter((r) => !r.ok).map((r) => [r.url, r]));
  return found.filter((f) => dead.has(f.url)).map((f) => ({ url: f.url, path: f.path, problem: dead.get(f.url)!.problem ?? 'dead', checkedAt: dead.get(f.url)!.checkedAt.toISOString() }));
}

const alertDead = (deps: LinkCheckDeps, campaignId: string, dead: Array<{ url: string; path: string; problem: string | null }>) =>
  deps.raiseAlert({
    kind: 'dead-link',
    severity: 'warning',
    message: `Campaign ${campaignId}: ${dead.length} dead link(s): ${dead.map((d) => `${d.url} in ${d.path} (${d.problem})`).join('; ')}`,
    detail: { campaignId, dead },
  });

/** A saved strategy's links, checked now: stored, and ops alerted of the dead ones. */
export async function checkStrategyLinks(deps: LinkCheckDeps, input: { campaignId: string; strategy: unknown }): Promise<LinkResult[]> {
  const found = urlsIn(input.strategy);
  if (!found.length) return [];
  const results = await probeAndStore(deps, found.map((f) => f.url));
  const dead = found.flatMap((f) => results.filter((r) => r.url === f.url && !r.ok).map((r) => ({ url: f.url, path: f.path, problem: r.problem })));
  if (dead.length) await alertDead(deps, input.campaignId, dead);
  return results;
}

export interface LinkCheckReport {
  links: number;
  dead: number;
  ms: number;
  /** Campaigns flagged, with their dead links and where they are. */
  flagged: Array<{ campaignId: string; dead: Array<{ url: string; path: string; problem: string | null; httpStatus: number | null; chain: LinkResult['chain'] }> }>;
}

/** The daily check: every URL of every live campaign's active strategy. */
export async function checkAllLinks(deps: LinkCheckDeps): Promise<LinkCheckReport> {
  const started = Date.now();
  const campaigns = (await liveCampaignStrategies(deps.db)).filter((c) => !isSynthetic(c.campaignId)).map((c) => ({ campaignId: c.campaignId, found: urlsIn(c.strategy) }));
  const results = new Map((await probeAndStore(deps, campaigns.flatMap((c) => c.found.map((f) => f.url)))).map((r) => [r.url, r]));
  const flagged: LinkCheckReport['flagged'] = [];
  for (const c of campaigns) {
    const dead = c.found.filter((f) => !results.get(f.url)!.ok).map((f) => {
      const r = results.get(f.url)!;
      return { url: f.url, path: f.path, problem: r.problem, httpStatus: r.httpStatus, chain: r.chain };
    });
    if (!dead.length) continue;
    flagged.push({ campaignId: c.campaignId, dead });
    await alertDead(deps, c.campaignId, dead);
  }
  return { links: results.size, dead: [...results.values()].filter((r) => !r.ok).length, ms: Date.now() - started, flagged };
}
