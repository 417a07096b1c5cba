import { webhookDeliveryOperations, webhookOperations } from '../../contract/operations/webhooks.js';
import { findDelivery, listDeliveries } from '../../db/webhook-delivery-log.js';
import { endpointsOf, findEndpoint, type WebhookEndpointRow } from '../../db/webhook-endpoints.js';
import { presentDelivery, presentDeliveryDetails, presentWebhooks } from '../../domain/webhook-views.js';
import {
  createWebhook, deleteWebhook, replayFailedWebhookDeliveries, replayWebhookDelivery, rotateWebhookSecret, sendWebhookTestEvent, updateWebhook, webhookDeps,
} from '../../domain/webhooks.js';
import { callerOf, deletedResult, implement, type HandlerInput } from '../handler.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import { notFound } from '../shared/not-found.js';
import { paginate } from '../shared/queries.js';

// Seed 000 "Manage webhooks" (issue 11). The rules live in domain/webhooks.ts, shared with the
// settings page; these handlers read arguments and answer. The pipeline wakes the worker after
// every write (dispatch.ts), so replays and test events go out at once.

const depsOf = (input: Pick<HandlerInput, 'runtime' | 'knex'>) => webhookDeps(input.runtime, input.knex);

async function ownEndpoint(input: HandlerInput & { params: { id: string } }): Promise<WebhookEndpointRow> {
  const row = await findEndpoint(input.knex, callerOf(input).identity.org, input.params.id);
  if (!row) throw notFound('webhook');
  return row;
}

export const webhookHandlers = implement(webhookOperations, {
  async list(input) {
    const org = callerOf(input).identity.org;
    const page = await paginate<WebhookEndpointRow>(input.knex, endpointsOf(input.knex, org, { enabled: input.query.enabled }), input.query, {
      at: 'webhook_endpoints.created_at', id: 'webhook_endpoints.id',
    });
    return { data: await presentWebhooks(input.knex, org, page.rows), next_cursor: page.nextCursor };
  },

  async create(input) {
    const { webhook, secret } = await createWebhook(depsOf(input), callerOf(input), input.body);
    return { data: { ...webhook, secret } };
  },

  async fetch(input) {
    const row = await ownEndpoint(input);
    return { data: (await presentWebhooks(input.knex, row.organization_id, [row]))[0]! };
  },

  async update(input) {
    return { data: await updateWebhook(depsOf(input), callerOf(input), input.params.id, input.body) };
  },

  async delete(input) {
    await deleteWebhook(depsOf(input), callerOf(input), input.params.id);
    return deletedResult(input.params.id);
  },

  async rotateSecret(input) {
    const { webhook, secret } = await rotateWebhookSecret(depsOf(input), callerOf(input), input.params.id);
    return { data: { ...webhook, secret } };
  },

  async replay(input) {
    return { data: { replayed: await replayFailedWebhookDeliveries(depsOf(input), callerOf(input), input.params.id, new Date(input.body.since)) } };
  },

  async test(input) {
    return { data: await sendWebhookTestEvent(depsOf(input), callerOf(input), input.params.id) };
  },
});

export const webhookDeliveryHandlers = implement(webhookDeliveryOperations, {
  async list(input) {
    const row = await ownEndpoint(input);
    const { status, since, cursor, limit } = input.query;
    const rows = await listDeliveries(input.knex, row.organization_id, row.id, {
      status, since: since === undefined ? undefined : new Date(since), before: cursor === undefined ? undefined : decodeCursor(cursor), limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(presentDelivery), next_cursor: rows.length > limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null };
  },

  async fetch(input) {
    const row = await ownEndpoint(input);
    const delivery = await findDelivery(input.knex, row.organization_id, row.id, input.params.deliveryId);
    if (!delivery) throw notFound('delivery');
    return { data: await presentDeliveryDetails(input.knex, delivery) };
  },

  async replay(input) {
    return { data: await replayWebhookDelivery(depsOf(input), callerOf(input), input.params.id, input.params.deliveryId) };
  },
});
