/**
 * Campaigns and their strategies. A strategy is data, validated by the strategy schema; versions
 * are immutable and attributed; activating one or rolling back is a single call and applies to
 * the next attempt of every running cadence (the gate reads the active version). The API and the
 * incident automation change a campaign through the same functions, so their audit rows agree.
 */
import type { Client } from '@temporalio/client';
import type { Db, Tx } from '../db/client';
import { audit } from '../db/queries/audit';
import {
  activateVersion,
  activeStrategy,
  addStrategyVersion,
  campaignExists,
  campaignIds,
  campaignWithVersions,
  ensureCampaign,
  lockCampaign,
  previousVersion,
  setCampaignStatus as writeStatus,
  updateCampaign as writeCampaign,
  writeScriptMode,
  type CampaignStatus,
} from '../db/queries/campaigns';
import { openIncidentAbout } from '../db/queries/operations';
import type { ScriptMode } from '../domain/script';
import { deepMerge, PRESETS, type PresetIndustry } from '../domain/presets';
import { strategySchema, type Strategy } from '../domain/strategy';
import type { Industry } from '../domain/vocabulary';
import { cancelCampaignCadences } from '../workflows/bulk';
import { campaignCancelWorkflowId } from '../workflows/constants';
import { conflict, notFound, ServiceError, ServiceErrorCode, unknownCampaign } from './errors';
import { signalIncident } from './operations';
import { checkStrategyLinks, deadLinksOf, type DeadLink, type LinkCheckDeps } from './link-check';
import { assertNoSensitiveWords } from './sensitive-words';

export type { CampaignStatus };

export interface CampaignDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

export interface CampaignView {
  id: string;
  name: string;
  industry: string | null;
  status: CampaignStatus;
  activeStrategyVersion: number;
  /** The campaign's own calls-per-second cap across lines (null: the lines' caps only). */
  cps: number | null;
  /** intelligent: calls understand speech (the strategy's script); basic: the announcement and the key menu. */
  scriptMode: ScriptMode;
  strategy: Record<string, unknown>;
  versions: Array<{ version: number; createdBy: string; createdAt: string }>;
  /** The active strategy's links the last link check found dead: the campaign is flagged while there are any. */
  deadLinks: DeadLink[];
}

/**
 * Saving a strategy screens it for sensitive words (refused with 422 on a hit) and checks its
 * links after it is stored (ops alerted of dead ones): the routes give an alert sender and,
 * in tests, where the link probe connects.
 */
export type StrategySaveDeps = LinkCheckDeps;

/** The strategy is validated here (not by the route schema) so its errors carry "strategy." paths and read well. */
export function parseStrategy(input: unknown): Strategy {
  const r = strategySchema.safeParse(input ?? {});
  if (!r.success) {
    const errors = r.error.issues.map((i) => ({ path: `strategy.${i.path.join('.') || '(body)'}`, message: i.message }));
    throw new ServiceError(ServiceErrorCode.validation, 'The strategy is not valid; see errors.', errors);
  }
  return r.data;
}

async function view(db: Tx, id: string): Promise<CampaignView> {
  const [camp, active] = await Promise.all([campaignWithVersions(db, id), activeStrategy(db, id)]);
  if (!camp || !active) throw unknownCampaign(id);
  return {
    id: camp.id,
    name: camp.name,
    industry: camp.industry,
    status: camp.status as CampaignStatus,
    activeStrategyVersion: camp.activeStrategyVersion,
    cps: camp.cps,
    scriptMode: camp.scriptMode as ScriptMode,
    strategy: active.strategy as unknown as Record<string, unknown>,
    versions: camp.versions.map((v) => ({ version: v.version, createdBy: v.createdBy, createdAt: v.createdAt.toISOString() })),
    deadLinks: await deadLinksOf(db, active.strategy),
  };
}

/** The campaign's row, locked for the rest of the transaction; unknown_campaign when there is none. */
async function locked(tx: Tx, id: string) {
  const c = await lockCampaign(tx, id);
  if (!c) throw unknownCampaign(id);
  return c;
}

/** A campaign with its active strategy and versions. */
export async function getCampaign({ db }: Pick<CampaignDeps, 'db'>, campaignId: string): Promise<CampaignView> {
  return view(db, campaignId);
}

export async function listCampaigns({ db }: Pick<CampaignDeps, 'db'>): Promise<CampaignView[]> {
  return Promise.all((await campaignIds(db)).map((id) => view(db, id)));
}

export interface NewCampaign {
  /** Derived from the name when absent. */
  id?: string;
  name: string;
  /** The campaign's industry; with a preset, the preset's unless given. */
  industry?: Industry;
  /** Start from an industry preset (GET /v1/presets); `strategy` then overrides it field by field. */
  preset?: PresetIndustry;
  /** A strategy object; omitted fields take their defaults (or the preset's). */
  strategy?: unknown;
  actor: string;
}

/** The strategy a campaign starts with: the preset's with the overrides merged in, or the strategy given. */
function initialStrategy(input: Pick<NewCampaign, 'preset' | 'strategy'>): unknown {
  if (!input.preset) return input.strategy;
  const p = PRESETS[input.preset];
  return deepMerge({ ...p.strategy, preset: { industry: p.industry, version: p.version } }, input.strategy ?? {});
}

/** Creates a campaign with its first strategy version (screened, links checked); conflict when the id is taken. */
export async function createCampaign(deps: StrategySaveDeps, input: NewCampaign): Promise<CampaignView> {
  const { db } = deps;
  const strategy = parseStrategy(initialStrategy(input));
  const industry = input.industry ?? input.preset ?? null;
  const id = input.id ?? (input.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'campaign');
  await db.transaction(async (tx) => {
    await assertNoSensitiveWords(tx, industry, strategy);
    const created = await ensureCampaign(tx, { id, name: input.name, industry, strategy, createdBy: input.actor });
    if (!created) throw conflict(`A campaign "${id}" exists; add a strategy version with POST /v1/campaigns/${id}/strategy.`);
    await audit(tx, { actor: input.actor, action: 'campaign.create', target: id, after: await view(tx, id) });
  });
  await checkStrategyLinks(deps, { campaignId: id, strategy });
  return view(db, id);
}

/** Adds an immutable strategy version, active at once unless `activate` is false. */
export async function addStrategy(deps: StrategySaveDeps, input: { campaignId: string; strategy: unknown; activate: boolean; actor: string }): Promise<CampaignView> {
  const { db } = deps;
  const id = input.campaignId;
  const strategy = await db.transaction(async (tx) => {
    // an unknown campaign answers before an invalid strategy does
    const before = await locked(tx, id);
    const parsed = parseStrategy(input.strategy);
    await assertNoSensitiveWords(tx, before.industry, parsed);
    const version = await addStrategyVersion(tx, id, parsed, input.actor, input.activate);
    const after = await view(tx, id);
    await audit(tx, { actor: input.actor, action: 'strategy.add', target: `${id}@${version}`, before: { activeStrategyVersion: before.activeStrategyVersion }, after: { version, activeStrategyVersion: after.activeStrategyVersion } });
    return parsed;
  });
  await checkStrategyLinks(deps, { campaignId: id, strategy });
  return view(db, id);
}

/** Makes an existing version the active one. */
export async function activateStrategy({ db }: Pick<CampaignDeps, 'db'>, input: { campaignId: string; version: number; actor: string }): Promise<CampaignView> {
  const { campaignId: id, version } = input;
  return db.transaction(async (tx) => {
    const before = await locked(tx, id);
    if (!(await activateVersion(tx, id, version))) throw notFound(`Campaign "${id}" has no strategy version ${version}.`);
    await audit(tx, { actor: input.actor, action: 'strategy.activate', target: id, before: { activeStrategyVersion: before.activeStrategyVersion }, after: { activeStrategyVersion: version } });
    return view(tx, id);
  });
}

/**
 * Activates the version before the active one, for an admin (POST …/strategy/rollback) and for an
 * incident whose campaign did not recover. unknown_campaign, or conflict at the first version.
 */
export async function rollbackStrategy({ db }: Pick<CampaignDeps, 'db'>, input: { campaignId: string; actor: string }): Promise<{ from: number; to: number }> {
  const id = input.campaignId;
  return db.transaction(async (tx) => {
    const before = await locked(tx, id);
    const prev = await previousVersion(tx, id);
    if (prev === null) throw conflict(`Campaign "${id}" is at its first strategy version; there is nothing to roll back to.`);
    await activateVersion(tx, id, prev);
    await audit(tx, { actor: input.actor, action: 'strategy.rollback', target: id, before: { activeStrategyVersion: before.activeStrategyVersion }, after: { activeStrategyVersion: prev } });
    return { from: before.activeStrategyVersion, to: prev };
  });
}

export interface CampaignChange {
  campaignId: string;
  name?: string;
  /** The campaign's own CPS cap; null removes it (its lines' caps only). */
  cps?: number | null;
  actor: string;
  /**
   * The audit row: `campaign.update` (an admin's change, with name and cps) or `campaign.cps` (an
   * incident lowering or restoring the cap, with the cap alone).
   */
  action?: 'campaign.update' | 'campaign.cps';
}

/** Changes a campaign's name and/or its own CPS cap; the next call is paced by it. */
export async function updateCampaign({ db }: Pick<CampaignDeps, 'db'>, input: CampaignChange): Promise<void> {
  const { campaignId: id, actor, action = 'campaign.update' } = input;
  const recorded = (c: { name: string; cps: number | null }) => (action === 'campaign.cps' ? { cps: c.cps } : { name: c.name, cps: c.cps });
  await db.transaction(async (tx) => {
    const before = await locked(tx, id);
    const after = (await writeCampaign(tx, id, { name: input.name, cps: input.cps }))!;
    await audit(tx, { actor, action, target: id, before: recorded(before), after: recorded(after) });
  });
}

/** Sets (or, with null, removes) the campaign's own CPS cap: what an incident lowers and restores. */
export async function setCampaignCps(deps: Pick<CampaignDeps, 'db'>, input: { campaignId: string; cps: number | null; actor: string }): Promise<void> {
  await updateCampaign(deps, { campaignId: input.campaignId, cps: input.cps, actor: input.actor, action: 'campaign.cps' });
}

/**
 * Sets the campaign's script mode, audited (`campaign.mode`) when it changes: what a script
 * incident switches to basic, and an operator back. Returns the mode before.
 */
export async function setScriptMode({ db }: Pick<CampaignDeps, 'db'>, input: { campaignId: string; mode: ScriptMode; actor: string; reason?: string }): Promise<ScriptMode> {
  const { campaignId: id, mode, actor } = input;
  return db.transaction(async (tx) => {
    const before = await writeScriptMode(tx, id, mode);
    if (before === null) throw unknownCampaign(id);
    if (before !== mode) await audit(tx, { actor, action: 'campaign.mode', target: id, before: { scriptMode: before }, after: { scriptMode: mode, ...(input.reason ? { reason: input.reason } : {}) } });
    return before;
  });
}

/**
 * An operator's switch (POST /v1/campaigns/{id}/mode). Back to intelligent also resolves the
 * campaign's open script incident (its workflow hears the resume, audited `incident.resume`):
 * the only way the intelligent script comes back after one.
 */
export async function switchScriptMode(deps: Pick<CampaignDeps, 'db' | 'temporal'>, input: { campaignId: string; mode: ScriptMode; actor: string; reason?: string }): Promise<CampaignView> {
  await setScriptMode(deps, input);
  if (input.mode === 'intelligent') {
    const open = await openIncidentAbout(deps.db, 'script', input.campaignId);
    if (open) {
      try {
        await signalIncident(deps, { id: open.id, action: 'resume', actor: input.actor });
      } catch (err) {
        // its workflow is gone: the mode is set, and the incident's record says how it ended
        if (!(err instanceof ServiceError && err.code === ServiceErrorCode.conflict)) throw err;
      }
    }
  }
  return view(deps.db, input.campaignId);
}

const statusAction = { paused: 'campaign.pause', active: 'campaign.resume', cancelled: 'campaign.cancel' } as const;

/**
 * Pause, resume or cancel: one update (its row says whether the campaign exists and may change),
 * audited. Cancelling is final; repeating any of them changes nothing.
 */
export async function setCampaignStatus(deps: CampaignDeps, input: { campaignId: string; status: CampaignStatus; actor: string }): Promise<CampaignView> {
  const { db, temporal, taskQueue } = deps;
  const { campaignId: id, status } = input;
  await db.transaction(async (tx) => {
    if (!(await writeStatus(tx, id, status))) {
      if (!(await campaignExists(tx, id))) throw unknownCampaign(id);
      throw conflict(`Campaign "${id}" is cancelled; that is final. Create a new campaign instead.`);
    }
    await audit(tx, { actor: input.actor, action: statusAction[status], target: id });
  });
  if (status === 'cancelled') {
    // running cadences hear it now; any the fan-out misses are refused by the gate at their next attempt
    await temporal.workflow.start(cancelCampaignCadences, {
      workflowId: campaignCancelWorkflowId(id),
      taskQueue,
      args: [{ campaignId: id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  return view(db, id);
}
