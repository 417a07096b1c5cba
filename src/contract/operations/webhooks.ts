import { z } from 'zod';
import { defineOperation } from '../define.js';
import { EVENT_TYPES } from '../events.js';
import { deleted, id, listQuery, nonEmptyPatch, nullableText, queryBoolean, timestamp } from '../schemas.js';
import { AUTHOR_TYPES } from './messages.js';

// Seed 000 "Manage webhooks" (DESIGN.md "Webhooks", issue 11): admins subscribe endpoints of
// their organization to events, read every delivery and its attempts, replay them and send test
// events. The signing secret is answered twice only: by create and by rotate-secret.

export const WEBHOOK_URL_MAX = 2048;
/** What an endpoint subscribes to: event types, or `*` alone for every one (also those added later). */
export const WEBHOOK_EVENT_CHOICES = ['*', ...EVENT_TYPES] as const;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
/** The event type of `POST /webhooks/{id}/test`: never emitted by a change, so no endpoint subscribes to it. */
export const TEST_EVENT_TYPE = 'webhook.test';

/**
 * Why a URL is refused, or undefined: absolute, `https:` (or `http:`, which the API accepts only
 * for hosts the operator allows), no user name or password (they would travel to every redirect
 * target and sit in logs). Where it resolves is checked when a delivery connects.
 */
export function webhookUrlProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point (URL parsing would drop some silently)
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://example.com/hooks';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  if (url.hostname === '') return 'must name a host';
  return undefined;
}

export const webhookUrl = z.string({ error: 'must be a string' })
  .max(WEBHOOK_URL_MAX, `must be at most ${WEBHOOK_URL_MAX} characters`)
  .superRefine((value, ctx) => {
    const problem = webhookUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

// Counted in the refinement, which runs only on an array (zod's own length checks would also
// measure a string sent instead).
export const webhookEvents = z.array(z.enum(WEBHOOK_EVENT_CHOICES, { error: `must be one of ${WEBHOOK_EVENT_CHOICES.join(', ')}` }), { error: 'must be a list of event types' })
  .superRefine((events, ctx) => {
    if (events.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one event type, or "*"' });
    else if (new Set(events).size !== events.length) ctx.addIssue({ code: 'custom', message: 'must not name an event type twice' });
    else if (events.includes('*') && events.length > 1) ctx.addIssue({ code: 'custom', message: '"*" already means every event type: send it alone' });
  });

/** `message.created` only for messages of these authors (seed 003: a bot hears visitors); null for all. */
export const messageAuthorTypes = z.array(z.enum(AUTHOR_TYPES, { error: `must be one of ${AUTHOR_TYPES.join(', ')}` }), { error: 'must be a list of author types, or null for all' })
  .superRefine((types, ctx) => {
    if (types.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one author type, or be null for all' });
    else if (new Set(types).size !== types.length) ctx.addIssue({ code: 'custom', message: 'must not name an author type twice' });
  })
  .nullable();

const webhookFields = {
  url: webhookUrl,
  events: webhookEvents,
  description: nullableText(500).optional(),
  message_author_types: messageAuthorTypes.optional(),
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
};

export const webhookCounts = z.object({
  /** Waiting for their first or next attempt. */
  pending: z.number().int(),
  /** Pending after at least one failed attempt (retrying). */
  failing: z.number().int(),
  delivered: z.number().int(),
  /** Given up on (the schedule ran out, or the endpoint answered 410). */
  failed: z.number().int(),
});

export const webhook = z.object({
  id,
  organization_id: id,
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  message_author_types: z.array(z.enum(AUTHOR_TYPES)).nullable(),
  enabled: z.boolean(),
  /** Why it stopped (set by the worker, or by an admin); cleared when it is enabled again. */
  disabled_reason: z.string().nullable(),
  disabled_at: timestamp.nullable(),
  /** The first failure since the last success; the endpoint is disabled when the retry schedule runs out. */
  failing_since: timestamp.nullable(),
  last_success_at: timestamp.nullable(),
  /** Until then deliveries are signed with the secret before the last rotation too. */
  previous_secret_expires_at: timestamp.nullable(),
  counts: webhookCounts,
  created_at: timestamp,
  updated_at: timestamp,
});

/** Create and rotate-secret only: the secret `whsec_…`, shown this once. */
export const webhookWithSecret = webhook.extend({ secret: z.string() });

export const webhookDelivery = z.object({
  id,
  endpoint_id: id,
  /** The `webhook-id` header: the outbox event's id, the same on every attempt and replay. */
  event_id: id,
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  /** Attempts made so far. */
  attempt: z.number().int(),
  /** Of the latest attempt: the HTTP status (null when none was answered), duration, error. */
  response_status: z.number().int().nullable(),
  duration_ms: z.number().int().nullable(),
  error: z.string().nullable(),
  /** When a pending delivery is tried next; null once delivered or failed. */
  next_attempt_at: timestamp.nullable(),
  delivered_at: timestamp.nullable(),
  created_at: timestamp,
});

export const webhookAttempt = z.object({
  attempt: z.number().int(),
  started_at: timestamp,
  duration_ms: z.number().int(),
  response_status: z.number().int().nullable(),
  /** The first bytes of the answer. */
  response_body: z.string().nullable(),
  error: z.string().nullable(),
});

export const webhookDeliveryDetails = webhookDelivery.extend({
  /** The envelope as it is (and was) delivered. */
  payload: z.record(z.string(), z.unknown()),
  attempts: z.array(webhookAttempt),
});

export const webhookParams = z.strictObject({ id });
const deliveryParams = z.strictObject({ id, deliveryId: id });

export const webhookOperations = {
  list: defineOperation({
    name: 'webhooks.list', method: 'GET', path: '/webhooks', role: 'admin', tag: 'webhooks', list: true,
    description: 'The organization\'s webhook endpoints with their state and delivery counts (never their secrets).',
    query: listQuery({ enabled: queryBoolean.optional() }), response: webhook,
  }),
  create: defineOperation({
    name: 'webhooks.create', method: 'POST', path: '/webhooks', successStatus: 201, role: 'admin', tag: 'webhooks',
    description:
      'Subscribe an endpoint to events (any of the event types, or `["*"]`). The URL is `https://` (plain `http://` only for hosts the operator allows). ' +
      'The answer carries the signing `secret` (`whsec_…`) this once: store it to verify deliveries.',
    body: z.strictObject(webhookFields), response: webhookWithSecret,
  }),
  fetch: defineOperation({
    name: 'webhooks.fetch', method: 'GET', path: '/webhooks/{id}', role: 'admin', tag: 'webhooks',
    description: 'One endpoint with its state (enabled, why disabled, failing since, last success) and delivery counts; never its secret.',
    params: webhookParams, response: webhook,
  }),
  update: defineOperation({
    name: 'webhooks.update', method: 'PATCH', path: '/webhooks/{id}', role: 'admin', tag: 'webhooks',
    description: 'Change the URL, events, description or author filter, or disable and enable the endpoint (enabling clears why it was disabled and its failure streak).',
    params: webhookParams, body: nonEmptyPatch(webhookFields), response: webhook,
  }),
  delete: defineOperation({
    name: 'webhooks.delete', method: 'DELETE', path: '/webhooks/{id}', role: 'admin', tag: 'webhooks',
    description: 'Delete an endpoint with its delivery log; nothing more is delivered to it.', params: webhookParams, response: deleted,
  }),
  rotateSecret: defineOperation({
    name: 'webhooks.rotateSecret', method: 'POST', path: '/webhooks/{id}/rotate-secret', role: 'admin', tag: 'webhooks',
    description: 'A new signing secret, answered this once. Until `previous_secret_expires_at` deliveries carry signatures with the old secret too, so receivers can switch without losing any.',
    params: webhookParams, response: webhookWithSecret,
  }),
  replay: defineOperation({
    name: 'webhooks.replay', method: 'POST', path: '/webhooks/{id}/replay', successStatus: 202, role: 'admin', tag: 'webhooks',
    description: 'Deliver again every failed delivery of the endpoint created since `since`; answers how many were queued.',
    params: webhookParams, body: z.strictObject({ since: timestamp }), response: z.object({ replayed: z.number().int() }),
  }),
  test: defineOperation({
    name: 'webhooks.test', method: 'POST', path: '/webhooks/{id}/test', successStatus: 202, role: 'admin', tag: 'webhooks',
    description: `Queue a \`${TEST_EVENT_TYPE}\` event for the endpoint, signed like every delivery; follow it in the delivery log.`,
    params: webhookParams, response: webhookDelivery,
  }),
};

export const webhookDeliveryOperations = {
  list: defineOperation({
    name: 'webhooks.deliveries.list', method: 'GET', path: '/webhooks/{id}/deliveries', role: 'admin', tag: 'webhooks', list: true,
    description: 'The endpoint\'s deliveries, newest first, by status and since a time, with the outcome of each one\'s latest attempt.',
    params: webhookParams,
    query: listQuery({ status: z.enum(DELIVERY_STATUSES).optional(), since: timestamp.optional() }),
    response: webhookDelivery,
  }),
  fetch: defineOperation({
    name: 'webhooks.deliveries.fetch', method: 'GET', path: '/webhooks/{id}/deliveries/{deliveryId}', role: 'admin', tag: 'webhooks',
    description: 'One delivery with its payload and every attempt (time, duration, status code, the start of the answer, error).',
    params: deliveryParams, response: webhookDeliveryDetails,
  }),
  replay: defineOperation({
    name: 'webhooks.deliveries.replay', method: 'POST', path: '/webhooks/{id}/deliveries/{deliveryId}/replay', successStatus: 202, role: 'admin', tag: 'webhooks',
    description: 'Deliver this event again now (same `webhook-id`), whatever its status.',
    params: deliveryParams, response: webhookDelivery,
  }),
};
