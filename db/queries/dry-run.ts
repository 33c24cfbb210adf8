/** A campaign's recent history, per contact, for the strategy dry run (domain/dry-run.ts), streamed in batches. */
import type { Outcome } from '../../domain/cadence-state';
import type { DryRunContact } from '../../domain/dry-run';
import type { Db } from '../client';

/**
 * One contact's history as the query writes it (JSON): [contact id, time zone, tags, its events
 * of the period in delivery order as [event id, type, occurred at, applied at], how its calls
 * since the period's start ended in order as [outcome (null: none), callback asked for at], opted
 * out at]. Instants in epoch ms; applied: when the cadence got the event, delivered, or accepted
 * when it never was.
 */
type HistoryRow = [string, string, string[], Array<[string, string, number, number]>, Array<[string | null, number | null]>, number | null];

/**
 * Contacts with events of the campaign accepted in [from, to) (failed events excluded), each with
 * its events, its calls' outcomes and its opt-out: one JSON text per contact (a HistoryRow),
 * `batch` at a time through a cursor, so memory does not grow with the period. Events and calls
 * are each grouped in one pass over the campaign's rows and joined by hash, not looked up contact
 * by contact. Arrays, not objects, and left as text: PostgreSQL writes them fastest, and they are
 * read where they are replayed (parseHistory, on a replay thread), not on the API's thread.
 * Instants in whole milliseconds, as the API and the workflows see them.
 */
export function campaignHistory(db: Db, q: { tenant: string; campaignId: string; from: Date; to: Date }, batch = 2000): AsyncIterable<string[]> {
  const sql = db.$client;
  // drizzle leaves timestamps to itself on this client (no Date serializer): ISO text, cast
  const from = q.from.toISOString();
  const to = q.to.toISOString();
  const batches = sql<Array<{ row: string }>>`
    with ev as (
      select e.contact_id,
        json_agg(json_build_array(e.event_id, e.type, floor(extract(epoch from e.occurred_at) * 1000), floor(extract(epoch from coalesce(e.delivered_at, e.created_at)) * 1000)) order by e.seq) as events
      from inbox_events e
      where e.tenant = ${q.tenant} and e.campaign_id = ${q.campaignId} and e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and e.state <> 'failed'
      group by e.contact_id
    ), calls as (
      select a.contact_id, json_agg(json_build_array(a.outcome, floor(extract(epoch from a.callback_at) * 1000)) order by a.reserved_at, a.id) as calls
      from attempts a
      where a.campaign_id = ${q.campaignId} and a.channel = 'call' and a.reserved_at >= ${from}::timestamptz
      group by a.contact_id
    )
    select json_build_array(c.id, c.time_zone, c.tags, ev.events, coalesce(calls.calls, '[]'), floor(extract(epoch from o.created_at) * 1000))::text as row
    from ev join contacts c on c.id = ev.contact_id
      -- on the contact's key, not ev's: the planner knows it is unique, so it does not expect millions
      -- of rows and spend a quarter of a second compiling the query (JIT)
      left join calls on calls.contact_id = c.id
      left join opt_outs o on o.tenant = c.tenant and o.phone = c.phone
    where c.deleted_at is null
  `.cursor(batch);
  return (async function* () {
    for await (const rows of batches) yield rows.map((r) => r.row);
  })();
}

/** A batch of campaignHistory's rows, as the replay reads them. */
export function parseHistory(rows: string[]): DryRunContact[] {
  return (JSON.parse(`[${rows.join(',')}]`) as HistoryRow[]).map(([contactId, timeZone, tags, events, calls, optedOutAt]) => ({
    contactId,
    timeZone,
    tags,
    events: events.map(([id, type, occurredAt, at]) => ({ id, type, occurredAt, at })),
    callOutcomes: calls.map(([outcome]) => outcome as Outcome | null),
    callbacksAt: calls.map(([, at]) => at),
    optedOutAt,
  }));
}
