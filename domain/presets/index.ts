/**
 * The industry presets (GET /v1/presets): a business starts a campaign from one with
 * `{"preset": "education"}` and overrides what is its own (services/campaigns.ts).
 */
import { ecommerce } from './ecommerce';
import { education } from './education';
import { finance } from './finance';
import { localServices } from './local-services';
import type { Preset, PresetIndustry } from './preset';

export type { ChecklistItem, Preset, PresetIndustry, PresetRule, Routine, RuleFacts } from './preset';
export { deepMerge } from './preset';

export const PRESETS: Record<PresetIndustry, Preset> = { education, finance, ecommerce, 'local-services': localServices };
export const PRESET_INDUSTRIES = Object.keys(PRESETS) as PresetIndustry[];

export const presetOf = (industry: string | null | undefined): Preset | null => (industry && industry in PRESETS ? PRESETS[industry as PresetIndustry] : null);
