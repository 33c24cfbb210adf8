/** A campaign's recent history, per contact, for the strategy dry run (domain/dry-run.ts), streamed in batches. */
import type { Db } from '../client';

export interface HistoryRow {
  contactId: string;
  timeZone: string;
  tags: string[];
  /** The campaign's events of the period, in delivery order. */
  eventIds: string[];
  types: string[];
  occurredAt: number[];
  /** When the cadence got it (delivered; accepted when it never was). */
  appliedAt: number[];
  /** How its calls in the campaign since the period's start ended, in order (null: no outcome). */
  callOutcomes: Array<string | null> | null;
  optedOutAt: number | null;
}

/**
 * Contacts with events of the campaign accepted in [from, to) (failed events excluded), each with
 * its events, its calls' outcomes and its opt-out: one row per contact, `batch` rows at a time
 * through a cursor, so memory does not grow with the period.
 */
export function campaignHistory(db: Db, q: { tenant: string; campaignId: string; from: Date; to: Date }, batch = 2000): AsyncIterable<HistoryRow[]> {
  const sql = db.$client;
  // drizzle leaves timestamps to itself on this client (no Date serializer): ISO text, cast
  const from = q.from.toISOString();
  const to = q.to.toISOString();
  return sql<HistoryRow[]>`
    select c.id as "contactId", c.time_zone as "timeZone", c.tags,
      array_agg(e.event_id order by e.seq) as "eventIds",
      array_agg(e.type order by e.seq) as types,
      array_agg((extract(epoch from e.occurred_at) * 1000)::float8 order by e.seq) as "occurredAt",
      array_agg((extract(epoch from coalesce(e.delivered_at, e.created_at)) * 1000)::float8 order by e.seq) as "appliedAt",
      (select array_agg(a.outcome order by a.reserved_at, a.id) from attempts a
        where a.contact_id = c.id and a.campaign_id = ${q.campaignId} and a.channel = 'call' and a.reserved_at >= ${from}::timestamptz) as "callOutcomes",
      (select (extract(epoch from o.created_at) * 1000)::float8 from opt_outs o where o.tenant = c.tenant and o.phone = c.phone) as "optedOutAt"
    from inbox_events e join contacts c on c.id = e.contact_id
    where e.tenant = ${q.tenant} and e.campaign_id = ${q.campaignId} and e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
      and e.state <> 'failed' and c.deleted_at is null
    group by c.id
  `.cursor(batch);
}
