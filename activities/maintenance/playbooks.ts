/**
 * Each industry's own checks (domain/presets/): the routine's rules of the industry's preset over
 * every live campaign of that industry, plus its links as last checked; and the education
 * preset's intent → script match, a placeholder until strategies carry scripts.
 */
import { liveCampaignStrategies } from '../../db/queries/campaigns';
import { attention, isSynthetic, ok, skipped, type CheckResult } from '../../domain/maintenance';
import { presetOf, type Routine } from '../../domain/presets';
import { deadLinksOf } from '../../services/link-check';
import type { MaintenanceDeps } from './deps';
import { DAY } from './shared';

export interface PlaybookFinding {
  campaignId: string;
  finding: string;
}

/** The rules of this routine for every campaign with a preset industry; findings by industry. */
export async function checkPlaybooks(deps: MaintenanceDeps, req: { routine: Routine }): Promise<CheckResult> {
  const byIndustry: Record<string, PlaybookFinding[]> = {};
  const checked: Record<string, string[]> = {};
  for (const c of await liveCampaignStrategies(deps.db)) {
    const preset = presetOf(c.industry);
    const rules = preset?.rules.filter((r) => r.routine === req.routine) ?? [];
    if (!preset || !rules.length || isSynthetic(c.campaignId)) continue;
    (checked[preset.industry] ??= []).push(c.campaignId);
    const facts = { activeForDays: Math.floor((Date.now() - c.versionCreatedAt.getTime()) / DAY) };
    const findings = [
      ...rules.map((r) => r.check(c.strategy, facts)).filter((f): f is string => f !== null),
      ...(await deadLinksOf(deps.db, c.strategy)).map((d) => `dead link ${d.url} in ${d.path} (${d.problem})`),
    ];
    (byIndustry[preset.industry] ??= []).push(...findings.map((finding) => ({ campaignId: c.campaignId, finding })));
  }
  const detail = { routine: req.routine, campaigns: checked, byIndustry };
  const all = Object.values(byIndustry).flat();
  if (!Object.keys(checked).length) return ok('playbook', `no campaign of an industry with ${req.routine} rules`, detail);
  const scope = Object.entries(checked).map(([i, ids]) => `${i}: ${ids.length} campaign(s)`).join(', ');
  if (!all.length) return ok('playbook', `${scope}; every ${req.routine} rule kept`, detail);
  await deps.raiseAlert({ kind: 'playbook', severity: 'warning', message: `${req.routine} industry rules: ${all.length} finding(s): ${all.slice(0, 5).map((f) => `${f.campaignId}: ${f.finding}`).join('; ')}`, detail });
  return attention('playbook', `${scope}; ${all.length} finding(s)`, detail);
}

/** Education's weekly intent-tag → script match: strategies carry no scripts yet, so there is nothing to match. */
export async function checkIntentScripts(): Promise<CheckResult> {
  return skipped('intent-scripts', 'placeholder: strategies carry no per-intent scripts yet, so there is no intent → script map to check');
}
