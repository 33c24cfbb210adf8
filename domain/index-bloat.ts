/**
 * How much of a B-tree index is dead space, estimated from the planner's statistics (the index's
 * pages and rows from pg_class, the indexed columns' average width from pg_stats) the way the
 * well-known btree bloat estimate does: what the live entries would need at the index's fill
 * factor, against what it holds. No extension (pgstattuple) is needed, and it reads no index page.
 */

const PAGE = 8192;
/** Page header (24) and the B-tree special space (16). */
const PAGE_OVERHEAD = 40;
/** Per entry: the line pointer (4) and the index tuple header (8). */
const ENTRY_OVERHEAD = 12;
const MAXALIGN = 8;

export interface IndexStats {
  /** pg_class.relpages of the index */
  pages: number;
  /** pg_class.reltuples of the index (live entries at the last ANALYZE/VACUUM) */
  rows: number;
  /** Sum of the indexed columns' pg_stats.avg_width (bytes) */
  dataWidth: number;
  /** The index's fillfactor (B-tree default 90) */
  fillFactor?: number;
}

/** The pages the live entries need, the meta page included. */
export function expectedPages(s: IndexStats): number {
  const entry = ENTRY_OVERHEAD + Math.ceil(s.dataWidth / MAXALIGN) * MAXALIGN;
  const perPage = Math.max(1, Math.floor(((PAGE - PAGE_OVERHEAD) * (s.fillFactor ?? 90)) / 100 / entry));
  return 1 + Math.ceil(Math.max(0, s.rows) / perPage);
}

/** The share of the index that is dead space, 0..1. */
export function bloatRatio(s: IndexStats): number {
  if (s.pages <= 1) return 0;
  return Math.max(0, 1 - expectedPages(s) / s.pages);
}

/** Worth a REINDEX CONCURRENTLY: at least this share dead, on an index at least this large. */
export const REINDEX_AT = { bloat: 0.3, minPages: 128 } as const;

export const needsReindex = (s: IndexStats) => s.pages >= REINDEX_AT.minPages && bloatRatio(s) >= REINDEX_AT.bloat;
