import type { Knex } from 'knex';
import type { z } from 'zod';
import type { webhook, webhookDelivery, webhookDeliveryDetails } from '../contract/operations/webhooks.js';
import { listAttempts, type DeliveryRow } from '../db/webhook-delivery-log.js';
import { countDeliveries, NO_DELIVERIES, type DeliveryCounts, type WebhookEndpointRow } from '../db/webhook-endpoints.js';
import { AUTHOR_TYPES } from '../contract/operations/messages.js';

// Webhook endpoints and deliveries as the contract documents them: the API answers these and the
// settings page renders them, so both show the same state and counts. No secret ever passes here.

export type WebhookData = z.output<typeof webhook>;
export type DeliveryData = z.output<typeof webhookDelivery>;
export type DeliveryDetails = z.output<typeof webhookDeliveryDetails>;

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());
const isAuthorType = (value: string): value is (typeof AUTHOR_TYPES)[number] => (AUTHOR_TYPES as readonly string[]).includes(value);

export function presentWebhook(row: WebhookEndpointRow, counts: DeliveryCounts = NO_DELIVERIES): WebhookData {
  return {
    id: row.id,
    organization_id: row.organization_id,
    url: row.url,
    description: row.description,
    events: row.events,
    message_author_types: row.message_author_types === null ? null : row.message_author_types.filter(isAuthorType),
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    disabled_at: iso(row.disabled_at),
    failing_since: iso(row.failing_since),
    last_success_at: iso(row.last_success_at),
    previous_secret_expires_at: iso(row.previous_secret_expires_at),
    counts: { ...counts },
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The endpoints with their delivery counts: one grouped query for all of them. */
export async function presentWebhooks(knex: Knex, organizationId: string, rows: readonly WebhookEndpointRow[]): Promise<WebhookData[]> {
  const counts = await countDeliveries(knex, organizationId, rows.map((row) => row.id));
  return rows.map((row) => presentWebhook(row, counts.get(row.id)));
}

export function presentDelivery(row: DeliveryRow): DeliveryData {
  return {
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempt: row.attempt,
    response_status: row.last_response_status,
    duration_ms: row.duration_ms,
    error: row.last_error,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    delivered_at: iso(row.delivered_at),
    created_at: row.created_at.toISOString(),
  };
}

export async function presentDeliveryDetails(knex: Knex, row: DeliveryRow & { payload: Record<string, unknown> }): Promise<DeliveryDetails> {
  const attempts = await listAttempts(knex, row.id);
  return {
    ...presentDelivery(row),
    payload: row.payload,
    attempts: attempts.map((attempt) => ({ ...attempt, started_at: attempt.started_at.toISOString() })),
  };
}
