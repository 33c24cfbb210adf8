/**
 * The industry presets as a business reads them (GET /v1/presets), and each industry's
 * maintenance checklist with what the routines last found (GET /v1/presets/{industry}/checklist):
 * the latest result of every check on the list, and the last three stress tests (monthly or on
 * demand) — three before a big promotion is the e-commerce rule.
 */
import type { Db } from '../db/client';
import { runsWithCheck } from '../db/queries/operations';
import type { CheckResult } from '../domain/maintenance';
import { PRESETS, type ChecklistItem, type Preset, type PresetIndustry } from '../domain/presets';
import { strategySchema, type Strategy } from '../domain/strategy';

export interface PresetView {
  industry: PresetIndustry;
  version: number;
  title: string;
  description: string;
  override: string[];
  rules: Array<{ routine: string; rule: string }>;
  checklist: ChecklistItem[];
  /** The full strategy a campaign created from it starts with (defaults filled in). */
  strategy: Strategy;
}

const viewOf = (p: Preset): PresetView => ({
  industry: p.industry,
  version: p.version,
  title: p.title,
  description: p.description,
  override: p.override,
  rules: p.rules.map((r) => ({ routine: r.routine, rule: r.rule })),
  checklist: p.checklist,
  strategy: strategySchema.parse({ ...p.strategy, preset: { industry: p.industry, version: p.version } }),
});

export const listPresets = (): PresetView[] => Object.values(PRESETS).map(viewOf);

export interface CheckOutcome {
  runId: number;
  routine: string;
  finishedAt: string;
  status: CheckResult['status'];
  summary: string;
  /** For the `playbook` check: this industry's findings only. */
  findings?: unknown[];
}

export interface Checklist {
  industry: PresetIndustry;
  presetVersion: number;
  items: Array<ChecklistItem & { last: CheckOutcome | null }>;
  /** The last three stress tests, monthly or on demand, newest first. */
  stressTests: Array<CheckOutcome & { detail: unknown }>;
}

type Run = Awaited<ReturnType<typeof runsWithCheck>>[number];

const resultOf = (run: Run, check: string) => run.results.find((x) => x.name === check)!;

function outcomeOf(run: Run, check: string, industry: PresetIndustry): CheckOutcome {
  const r = resultOf(run, check);
  const byIndustry = (r.detail as { byIndustry?: Record<string, unknown[]> } | undefined)?.byIndustry;
  return {
    runId: run.id,
    routine: run.routine,
    finishedAt: run.finishedAt.toISOString(),
    status: r.status,
    summary: r.summary,
    ...(check === 'playbook' ? { findings: byIndustry?.[industry] ?? [] } : {}),
  };
}

export async function presetChecklist({ db }: { db: Db }, industry: PresetIndustry): Promise<Checklist> {
  const p = PRESETS[industry];
  const items = await Promise.all(
    p.checklist.map(async (item) => {
      const [run] = await runsWithCheck(db, { check: item.check, routine: item.routine === 'on-demand' ? undefined : item.routine, limit: 1 });
      return { ...item, last: run ? outcomeOf(run, item.check, industry) : null };
    }),
  );
  const stress = await runsWithCheck(db, { check: 'stress-test', limit: 3 });
  return { industry, presetVersion: p.version, items, stressTests: stress.map((r) => ({ ...outcomeOf(r, 'stress-test', industry), detail: resultOf(r, 'stress-test').detail })) };
}
