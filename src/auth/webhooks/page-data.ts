import type { Knex } from 'knex';
import type { WebhookChoices, WebhookDeliveryItem, WebhookListItem } from '../../../views/index.js';
import { fieldErrors } from '../../contract/field-errors.js';
import { AUTHOR_TYPES } from '../../contract/operations/messages.js';
import { WEBHOOK_EVENT_CHOICES, webhookOperations } from '../../contract/operations/webhooks.js';
import { listDeliveries } from '../../db/webhook-delivery-log.js';
import { endpointsOf, type WebhookEndpointRow } from '../../db/webhook-endpoints.js';
import { presentDelivery, presentWebhooks, type WebhookData } from '../../domain/webhook-views.js';
import type { NewWebhook, WebhookPatch } from '../../domain/webhooks.js';
import { single } from '../http/form-body.js';

// What the settings page shows and reads: the same presentation as the API's (counts, state) and
// the same schemas for what a form submits, so the page accepts exactly what the API accepts.

/** The page shows the first endpoints of an organization and the latest deliveries of one. */
export const SHOWN_ENDPOINTS = 100;
export const SHOWN_DELIVERIES = 50;

export const CHOICES: WebhookChoices = { events: WEBHOOK_EVENT_CHOICES, authorTypes: AUTHOR_TYPES };

const when = (value: string | null) => (value === null ? null : value.slice(0, 19).replace('T', ' '));

export function listItem(data: WebhookData): WebhookListItem {
  return {
    id: data.id, url: data.url, description: data.description, events: data.events, enabled: data.enabled,
    disabledReason: data.disabled_reason, counts: data.counts, lastSuccessAt: when(data.last_success_at),
  };
}

export async function endpointsOfOrganization(knex: Knex, organizationId: string): Promise<WebhookListItem[]> {
  const rows = (await endpointsOf(knex, organizationId).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(SHOWN_ENDPOINTS)) as WebhookEndpointRow[];
  return (await presentWebhooks(knex, organizationId, rows)).map(listItem);
}

export async function latestDeliveries(knex: Knex, endpoint: WebhookEndpointRow): Promise<WebhookDeliveryItem[]> {
  const rows = await listDeliveries(knex, endpoint.organization_id, endpoint.id, { limit: SHOWN_DELIVERIES });
  return rows.map(presentDelivery).map((d) => ({
    id: d.id, eventType: d.event_type, status: d.status, attempt: d.attempt, responseStatus: d.response_status, durationMs: d.duration_ms,
    error: d.error, createdAt: when(d.created_at)!, nextAttemptAt: when(d.next_attempt_at),
  }));
}

/** A refusal the page shows above its forms (then the admin corrects the form). */
export class FormProblem extends Error {}

function parsed<T>(result: { success: true; data: T } | { success: false; error: Parameters<typeof fieldErrors>[0] }): T {
  if (result.success) return result.data;
  const [first] = fieldErrors(result.error);
  throw new FormProblem(first ? `${first.field}: ${first.message}` : 'The form is not valid.');
}

/** The subscription fields of a form as the API's body: checkboxes, and no author checked meaning all. */
function subscription(form: URLSearchParams) {
  const authorTypes = form.getAll('author_types');
  return {
    url: (single(form, 'url') ?? '').trim(),
    events: form.getAll('events'),
    message_author_types: authorTypes.length === 0 ? null : authorTypes,
  };
}

export function newWebhookOf(form: URLSearchParams): NewWebhook {
  const description = (single(form, 'description') ?? '').trim();
  return parsed(webhookOperations.create.body.safeParse({ ...subscription(form), ...(description === '' ? {} : { description }) }));
}

export function webhookEditOf(form: URLSearchParams): WebhookPatch {
  const description = (single(form, 'description') ?? '').trim();
  return parsed(webhookOperations.update.body.safeParse({ ...subscription(form), description: description === '' ? null : description }));
}

export function enabledOf(form: URLSearchParams): WebhookPatch {
  return parsed(webhookOperations.update.body.safeParse({ enabled: single(form, 'enabled') === 'true' }));
}

/** "Replay failed of the last …": the page offers a few spans; anything else is refused. */
export function replaySinceOf(form: URLSearchParams, now: number): Date {
  const hours = Number(single(form, 'hours'));
  if (![1, 24, 72, 168].includes(hours)) throw new FormProblem('Choose how far back to replay.');
  return new Date(now - hours * 3_600_000);
}
