/**
 * Real traffic and Redial's own (domain/maintenance.ts SYNTHETIC_CAMPAIGNS), as a condition on a
 * campaign column: every rate, report, line-health figure and incident judgement takes real
 * traffic only; the synthetic kind is shown on its own when asked for.
 */
import { inArray, isNull, notInArray, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { SYNTHETIC_CAMPAIGNS } from '../../domain/maintenance';
import { attempts } from '../schema';

/** `campaign` is a real campaign (or, with `synthetic`, one of Redial's own). */
export function traffic(synthetic: boolean, campaign: PgColumn = attempts.campaignId): SQL {
  // a row without a campaign (a refusal before one was known) is real traffic
  return synthetic ? inArray(campaign, [...SYNTHETIC_CAMPAIGNS]) : or(isNull(campaign), notInArray(campaign, [...SYNTHETIC_CAMPAIGNS]))!;
}

/** Attempts of real campaigns only. */
export const realTraffic = (campaign: PgColumn = attempts.campaignId) => traffic(false, campaign);
