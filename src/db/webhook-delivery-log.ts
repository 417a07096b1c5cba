import type { Knex } from 'knex';
import { jsonb } from './jsonb.js';

// The delivery log as admins read and steer it (API and settings page): deliveries with their
// latest attempt, one delivery's attempts, replays and test events. The worker (src/webhooks)
// claims and updates the same rows; a replay never touches `locked_until`, so a delivery in
// flight is not claimed a second time.

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempt: number;
  last_response_status: number | null;
  last_error: string | null;
  /** Of the latest attempt, if any. */
  duration_ms: number | null;
  next_attempt_at: Date;
  delivered_at: Date | null;
  created_at: Date;
}

export interface AttemptRow {
  attempt: number;
  started_at: Date;
  duration_ms: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
}

const DELIVERY_COLUMNS = ['id', 'endpoint_id', 'event_id', 'event_type', 'status', 'attempt', 'last_response_status', 'last_error', 'next_attempt_at', 'delivered_at', 'created_at'];

function deliveries(knex: Knex, organizationId: string, endpointId: string): Knex.QueryBuilder {
  return knex('webhook_deliveries as d')
    .where({ 'd.organization_id': organizationId, 'd.endpoint_id': endpointId })
    .select(DELIVERY_COLUMNS.map((column) => `d.${column}`))
    .select(knex.raw('(select a.duration_ms from webhook_attempts a where a.delivery_id = d.id order by a.attempt desc limit 1) as duration_ms'));
}

export interface DeliveryFilter {
  status?: DeliveryRow['status'] | undefined;
  /** Created at or after. */
  since?: Date | undefined;
  /** Keyset: only deliveries older than this one, newest first. */
  before?: { at: string; id: string } | undefined;
  limit: number;
}

/** Newest first; each row carries `cursor_at`, its `created_at` to the microsecond, for the next page's keyset. */
export async function listDeliveries(knex: Knex, organizationId: string, endpointId: string, filter: DeliveryFilter): Promise<Array<DeliveryRow & { cursor_at: string }>> {
  const builder = deliveries(knex, organizationId, endpointId)
    .select(knex.raw(`to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`));
  if (filter.status !== undefined) builder.where('d.status', filter.status);
  if (filter.since !== undefined) builder.where('d.created_at', '>=', filter.since);
  if (filter.before !== undefined) builder.whereRaw('(d.created_at, d.id) < (?::timestamptz, ?::uuid)', [filter.before.at, filter.before.id]);
  return (await builder.orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }]).limit(filter.limit)) as Array<DeliveryRow & { cursor_at: string }>;
}

export async function findDelivery(knex: Knex, organizationId: string, endpointId: string, id: string): Promise<(DeliveryRow & { payload: Record<string, unknown> }) | undefined> {
  return (await deliveries(knex, organizationId, endpointId).where('d.id', id).select('d.payload').first()) as (DeliveryRow & { payload: Record<string, unknown> }) | undefined;
}

export async function listAttempts(knex: Knex, deliveryId: string): Promise<AttemptRow[]> {
  return (await knex('webhook_attempts').where({ delivery_id: deliveryId })
    .orderBy('attempt').select('attempt', 'started_at', 'duration_ms', 'response_status', 'response_body', 'error')) as AttemptRow[];
}

/** Back to pending, due at `at` (its attempts and `webhook-id` stay); false when there is no such delivery. */
export async function replayDelivery(knex: Knex, organizationId: string, endpointId: string, id: string, at: Date): Promise<boolean> {
  const rows = await knex('webhook_deliveries').where({ organization_id: organizationId, endpoint_id: endpointId, id })
    .update({ status: 'pending', next_attempt_at: at, delivered_at: null, updated_at: knex.fn.now() }).returning('id');
  return rows.length === 1;
}

/** Every failed delivery of the endpoint created since `since`, back to pending; how many. */
export async function replayFailedSince(knex: Knex, organizationId: string, endpointId: string, since: Date, at: Date): Promise<string[]> {
  const rows = (await knex('webhook_deliveries')
    .where({ organization_id: organizationId, endpoint_id: endpointId, status: 'failed' })
    .where('created_at', '>=', since)
    .update({ status: 'pending', next_attempt_at: at, updated_at: knex.fn.now() })
    .returning('id')) as Array<{ id: string }>;
  return rows.map((row) => row.id);
}

/** A delivery of no outbox event and no conversation (a test event): due at `at`. */
export async function insertLooseDelivery(
  knex: Knex,
  values: { organization_id: string; endpoint_id: string; event_id: string; event_type: string; payload: Record<string, unknown>; at: Date },
): Promise<string> {
  const [row] = (await knex('webhook_deliveries').insert({
    organization_id: values.organization_id, endpoint_id: values.endpoint_id, event_id: values.event_id, event_type: values.event_type,
    payload: jsonb(knex, values.payload), next_attempt_at: values.at,
  }).returning('id')) as Array<{ id: string }>;
  return row!.id;
}
