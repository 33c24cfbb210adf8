/** A campaign's recent history, per contact, for the strategy dry run (domain/dry-run.ts), streamed in batches. */
import type { Db } from '../client';

/**
 * Contacts with events of the campaign accepted in [from, to) (failed events excluded), each as
 * one JSON text in the replay's own shape (domain/dry-run.ts DryRunContact: its events in delivery
 * order, its calls' outcomes and callbacks since the period's start, its opt-out), `batch` at a
 * time through a cursor, so memory does not grow with the period. Events and calls are each
 * grouped in one pass over the campaign's rows and joined by hash, not looked up contact by
 * contact. The text is left unparsed: it is read where it is replayed (services/dry-run-thread.ts),
 * not on the API's thread. Instants in whole milliseconds, as the API and the workflows see them.
 */
export function campaignHistory(db: Db, q: { tenant: string; campaignId: string; from: Date; to: Date }, batch = 2000): AsyncIterable<string[]> {
  const sql = db.$client;
  // drizzle leaves timestamps to itself on this client (no Date serializer): ISO text, cast
  const from = q.from.toISOString();
  const to = q.to.toISOString();
  const batches = sql<Array<{ contact: string }>>`
    with ev as (
      select e.contact_id,
        json_agg(json_build_object('id', e.event_id, 'type', e.type, 'occurredAt', floor(extract(epoch from e.occurred_at) * 1000), 'at', floor(extract(epoch from coalesce(e.delivered_at, e.created_at)) * 1000)) order by e.seq) as events
      from inbox_events e
      where e.tenant = ${q.tenant} and e.campaign_id = ${q.campaignId} and e.created_at >= ${from}::timestamptz and e.created_at < ${to}::timestamptz
        and e.state <> 'failed'
      group by e.contact_id
    ), calls as (
      select a.contact_id, json_agg(a.outcome order by a.reserved_at, a.id) as outcomes, json_agg(floor(extract(epoch from a.callback_at) * 1000) order by a.reserved_at, a.id) as callbacks
      from attempts a
      where a.campaign_id = ${q.campaignId} and a.channel = 'call' and a.reserved_at >= ${from}::timestamptz
      group by a.contact_id
    )
    select json_build_object('contactId', c.id, 'timeZone', c.time_zone, 'tags', c.tags, 'events', ev.events,
      'callOutcomes', coalesce(calls.outcomes, '[]'), 'callbacksAt', coalesce(calls.callbacks, '[]'), 'optedOutAt', floor(extract(epoch from o.created_at) * 1000))::text as contact
    from ev join contacts c on c.id = ev.contact_id
      -- on the contact's key, not ev's: the planner knows it is unique, so it does not expect millions
      -- of rows and spend a quarter of a second compiling the query (JIT)
      left join calls on calls.contact_id = c.id
      left join opt_outs o on o.tenant = c.tenant and o.phone = c.phone
    where c.deleted_at is null
  `.cursor(batch);
  return (async function* () {
    for await (const rows of batches) yield rows.map((r) => r.contact);
  })();
}
