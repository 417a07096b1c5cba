import type { Knex } from 'knex';
import { withDbErrors } from './errors.js';
import { jsonb } from './jsonb.js';

// The SQL of webhook endpoints (migrations/20261211000000_create_webhooks.ts) as the API and the
// settings page manage them. Every query carries the organization; the sealed secrets are written
// here and never selected (the worker reads them on its own).

export interface WebhookEndpointRow {
  id: string;
  organization_id: string;
  url: string;
  description: string | null;
  events: string[];
  message_author_types: string[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  last_success_at: Date | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Every column but `secret` and `previous_secret`. */
export const ENDPOINT_COLUMNS = [
  'id', 'organization_id', 'url', 'description', 'events', 'message_author_types', 'enabled', 'disabled_reason', 'disabled_at',
  'failing_since', 'last_success_at', 'previous_secret_expires_at', 'created_at', 'updated_at',
] as const;
const qualified = ENDPOINT_COLUMNS.map((column) => `webhook_endpoints.${column}`);

/** What an admin sets; `null` clears a nullable column, undefined leaves it alone. */
export interface EndpointValues {
  url?: string | undefined;
  description?: string | null | undefined;
  events?: readonly string[] | undefined;
  message_author_types?: readonly string[] | null | undefined;
  enabled?: boolean | undefined;
  disabled_reason?: string | null | undefined;
  disabled_at?: Date | null | undefined;
  failing_since?: null | undefined;
}

function columnsOf(knex: Knex, values: EndpointValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out[key] = (key === 'events' || key === 'message_author_types') && value !== null ? jsonb(knex, value) : value;
  }
  return out;
}

/** A new endpoint with its id chosen beforehand: the id is the sealing context of its secret. */
export async function insertEndpoint(knex: Knex, values: EndpointValues & { id: string; organization_id: string; url: string; events: readonly string[]; secret: string }): Promise<WebhookEndpointRow> {
  const [row] = await withDbErrors(() => knex('webhook_endpoints').insert({ ...columnsOf(knex, values), id: values.id, organization_id: values.organization_id, secret: values.secret }).returning([...ENDPOINT_COLUMNS]));
  return row as WebhookEndpointRow;
}

/** `lock` orders writes to one endpoint (a rotation racing an update). */
export async function findEndpoint(knex: Knex, organizationId: string, id: string, lock = false): Promise<WebhookEndpointRow | undefined> {
  const query = knex('webhook_endpoints').where({ organization_id: organizationId, id }).first(qualified);
  if (lock) query.forUpdate();
  return (await query) as WebhookEndpointRow | undefined;
}

/** The organization's endpoints (the API pages it; the settings page shows the first ones). */
export function endpointsOf(knex: Knex, organizationId: string, filter: { enabled?: boolean | undefined } = {}): Knex.QueryBuilder {
  const builder = knex('webhook_endpoints').where('webhook_endpoints.organization_id', organizationId).select(qualified);
  if (filter.enabled !== undefined) builder.where('webhook_endpoints.enabled', filter.enabled);
  return builder;
}

export async function updateEndpoint(knex: Knex, organizationId: string, id: string, values: EndpointValues): Promise<WebhookEndpointRow> {
  const [row] = await withDbErrors(() => knex('webhook_endpoints').where({ organization_id: organizationId, id })
    .update({ ...columnsOf(knex, values), updated_at: knex.fn.now() }).returning([...ENDPOINT_COLUMNS]));
  return row as WebhookEndpointRow;
}

/**
 * A new sealed secret; the current one becomes the previous, signing too until `expiresAt`.
 * Postgres reads `secret` on the right-hand side before the row changes, so one statement swaps them.
 */
export async function rotateEndpointSecret(knex: Knex, organizationId: string, id: string, sealed: string, expiresAt: Date): Promise<WebhookEndpointRow> {
  const [row] = await knex('webhook_endpoints').where({ organization_id: organizationId, id })
    .update({ previous_secret: knex.ref('secret'), secret: sealed, previous_secret_expires_at: expiresAt, updated_at: knex.fn.now() })
    .returning([...ENDPOINT_COLUMNS]);
  return row as WebhookEndpointRow;
}

/** Deletes the endpoint (its deliveries and attempts go with it); false when there was none. */
export async function deleteEndpoint(knex: Knex, organizationId: string, id: string): Promise<boolean> {
  const rows = await knex('webhook_endpoints').where({ organization_id: organizationId, id }).delete().returning('id');
  return rows.length === 1;
}

export interface DeliveryCounts {
  pending: number;
  failing: number;
  delivered: number;
  failed: number;
}

export const NO_DELIVERIES: Readonly<DeliveryCounts> = Object.freeze({ pending: 0, failing: 0, delivered: 0, failed: 0 });

/** Deliveries of each endpoint by status, in one grouped query; `failing` are pending ones tried at least once. */
export async function countDeliveries(knex: Knex, organizationId: string, endpointIds: readonly string[]): Promise<Map<string, DeliveryCounts>> {
  const out = new Map<string, DeliveryCounts>();
  if (endpointIds.length === 0) return out;
  // count() is int8: a string from `pg`, a number from PGlite.
  const rows = (await knex('webhook_deliveries')
    .where('organization_id', organizationId)
    .whereIn('endpoint_id', endpointIds)
    .groupBy('endpoint_id')
    .select('endpoint_id')
    .select(knex.raw(`count(*) filter (where status = 'pending') as pending`))
    .select(knex.raw(`count(*) filter (where status = 'pending' and attempt > 0) as failing`))
    .select(knex.raw(`count(*) filter (where status = 'delivered') as delivered`))
    .select(knex.raw(`count(*) filter (where status = 'failed') as failed`))) as Array<{ endpoint_id: string } & Record<keyof DeliveryCounts, number | string>>;
  for (const row of rows) {
    out.set(row.endpoint_id, { pending: Number(row.pending), failing: Number(row.failing), delivered: Number(row.delivered), failed: Number(row.failed) });
  }
  return out;
}
