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
  /** For each of those calls, when the person asked to be called back (null: they did not). */
  callbacksAt: Array<number | null> | null;
  optedOutAt: number | null;
}

/**
 * Contacts with events of the campaign accepted in [from, to) (failed events excluded), each with
 * its events, its calls' outcomes and its opt-out: one row per contact, `batch` rows at a time
 * through a cursor, so memory does not grow with the period. Events and calls are each grouped in
 * one pass over the campaign's rows (the attempts by their campaign index) and joined by hash,
 * not looked up contact by contact.
 */
export function campaignHistory(db: Db, q: { tenant: string; campaignId: string; from: Date; to: Date }, batch = 5000): AsyncIterable<HistoryRow[]> {
  const sql = db.$client;
  // drizzle leaves timestamps to itself on this client (no Date serializer): ISO text, cast
  const from = q.from.toISOString();
  const to = q.to.toISOString();
  return sql<HistoryRow[]>`
    with ev as (
      select e.contact_id,
        array_agg(e.event_id order by e.seq) as "eventIds",
        array_agg(e.type order by e.seq) as types,
        array_agg((extract(epoch from e.occurred_at) * 1000)::float8 order by e.seq) as "occurredAt",
        array_agg((extract(epoch from coalesce(e.delivered_at, e.created_at)) * 1000)::float8 order by e.seq) as "appliedAt"
      from inbox_events e
      where e.tenant = ${q.tenant} and e.campaign_id = ${q.campaignId} and e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and e.state <> 'failed'
      group by e.contact_id
    ), calls as (
      select a.contact_id, array_agg(a.outcome order by a.reserved_at, a.id) as outcomes,
        array_agg((extract(epoch from a.callback_at) * 1000)::float8 order by a.reserved_at, a.id) as "callbackAt"
      from attempts a
      where a.campaign_id = ${q.campaignId} and a.channel = 'call' and a.reserved_at >= ${from}::timestamptz
      group by a.contact_id
    )
    select c.id as "contactId", c.time_zone as "timeZone", c.tags,
      ev."eventIds", ev.types, ev."occurredAt", ev."appliedAt",
      calls.outcomes as "callOutcomes", calls."callbackAt" as "callbacksAt",
      (extract(epoch from o.created_at) * 1000)::float8 as "optedOutAt"
    from ev join contacts c on c.id = ev.contact_id
      left join calls on calls.contact_id = ev.contact_id
      left join opt_outs o on o.tenant = c.tenant and o.phone = c.phone
    where c.deleted_at is null
  `.cursor(batch);
}
