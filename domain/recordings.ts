/**
 * How long a call recording is kept, and what it is called: the strategy's retention, never less
 * than its industry's minimum (finance ≥ 1 year, whatever the strategy says); files are named by
 * the carrier's recording id, never by anything personal. Pure rules.
 */

const DAY_MS = 24 * 3600_000;

/** Minimum recording retention per industry, in days (finance keeps ≥ 1 year). */
export const MIN_RETENTION_DAYS: Readonly<Record<string, number>> = { finance: 365 };

/** The days a recording is kept: the strategy's, raised to the industry's minimum. */
export const retentionDays = (strategyDays: number, industry: string | null): number => Math.max(strategyDays, MIN_RETENTION_DAYS[industry ?? ''] ?? 0);

/** When a recording made at `recordedAt` may be purged (epoch ms). */
export const purgeAfter = (recordedAt: number, days: number): number => recordedAt + days * DAY_MS;

/** The earliest a recording may ever be deleted: its industry's floor, whatever its row says. */
export const earliestPurge = (recordedAt: number, industry: string | null): number => purgeAfter(recordedAt, MIN_RETENTION_DAYS[industry ?? ''] ?? 0);

/** A recording may be purged once its own date has passed and its industry's floor too. */
export const mayPurge = (r: { recordedAt: number; purgeAfter: number; industry: string | null }, now: number): boolean => now >= r.purgeAfter && now >= earliestPurge(r.recordedAt, r.industry);

/** A Twilio Recording SID. */
export const RECORDING_SID = /^RE[0-9a-f]{32}$/i;

/** The file a recording is stored in, inside the recordings store. */
export const recordingFile = (recordingSid: string): string => `${recordingSid}.wav`;
