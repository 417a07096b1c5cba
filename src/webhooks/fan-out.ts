import type { Knex } from 'knex';
import type { OutboxRow } from '../db/outbox-reads.js';
import {
  claimUndispatchedEvents, enabledEndpointsOf, insertDeliveries, lockFanOut, markDispatched, type EndpointSubscription, type NewDelivery,
} from '../db/webhook-deliveries.js';
import { envelopeOf } from '../domain/event-envelope.js';

/**
 * Whether an endpoint subscribes to an event: its type or `*`, and for `message.created` the
 * author types it chose (seed 003: a bot hears visitors' messages, not its own).
 */
export function subscribes(endpoint: EndpointSubscription, event: OutboxRow): boolean {
  if (!endpoint.events.includes('*') && !endpoint.events.includes(event.type)) return false;
  if (event.type !== 'message.created' || endpoint.message_author_types === null) return true;
  const author = event.data.author as { type?: unknown } | undefined;
  return typeof author?.type === 'string' && endpoint.message_author_types.includes(author.type);
}

/**
 * Fans the oldest undispatched events out to one delivery per subscribed endpoint of the same
 * organization and marks them dispatched, in one transaction: a worker dying halfway leaves the
 * events undispatched, never half fanned out. Returns how many events it took.
 */
export async function fanOutBatch(knex: Knex, options: { now: Date; limit: number }): Promise<number> {
  return knex.transaction(async (trx) => {
    await lockFanOut(trx);
    const events = await claimUndispatchedEvents(trx, options.limit);
    if (events.length === 0) return 0;
    const endpoints = await enabledEndpointsOf(trx, [...new Set(events.map((event) => event.organization_id))]);
    const deliveries: (NewDelivery & { next_attempt_at: Date })[] = [];
    for (const event of events) {
      const payload = envelopeOf(event);
      for (const endpoint of endpoints) {
        if (endpoint.organization_id !== event.organization_id || !subscribes(endpoint, event)) continue;
        deliveries.push({
          organization_id: event.organization_id, endpoint_id: endpoint.id, event_id: event.id, event_type: event.type,
          payload, conversation_id: event.conversation_id, position: event.position, next_attempt_at: options.now,
        });
      }
    }
    await insertDeliveries(trx, deliveries);
    await markDispatched(trx, events.map((event) => event.id), options.now);
    return events.length;
  });
}
