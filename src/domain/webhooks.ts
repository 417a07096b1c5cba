import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { fieldRefused } from '../contract/field-errors.js';
import { TEST_EVENT_TYPE, webhookDeliveryOperations, webhookOperations } from '../contract/operations/webhooks.js';
import { findDelivery, insertLooseDelivery, replayDelivery, replayFailedSince } from '../db/webhook-delivery-log.js';
import { deleteEndpoint, findEndpoint, insertEndpoint, rotateEndpointSecret, updateEndpoint, type EndpointValues, type WebhookEndpointRow } from '../db/webhook-endpoints.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import type { Runtime } from '../shared/runtime.js';
import type { Secrets } from '../shared/secrets.js';
import { recordChange, type Actor } from './record-change.js';
import { generateWebhookSecret, sealWebhookSecret } from './webhook-secrets.js';
import { presentDelivery, presentWebhooks, type DeliveryData, type WebhookData } from './webhook-views.js';

/**
 * Managing webhook endpoints (issue 11, DESIGN.md "Webhooks"): the rules the resource API and
 * the settings page share, each write through the one write path (audit only: configuration
 * changes are no events subscribers hear of). Deliveries are the worker's; here they are only
 * queued again (replay) or made up (test event). The caller wakes the worker afterwards.
 */
export interface WebhookDeps {
  knex: Knex;
  secrets: Secrets;
  clock: Clock;
  /** WEBHOOK_ALLOWED_HOSTS: the only hosts a plain `http://` URL may name. */
  allowedHosts: readonly string[];
  /** WEBHOOK_SECRET_OVERLAP_SECONDS: how long the old secret signs after a rotation. */
  overlapSeconds: number;
}

export function webhookDeps(runtime: Runtime, knex: Knex = runtime.db.knex): WebhookDeps {
  const { config } = runtime;
  return { knex, secrets: runtime.secrets, clock: runtime.clock, allowedHosts: config.WEBHOOK_ALLOWED_HOSTS, overlapSeconds: config.WEBHOOK_SECRET_OVERLAP_SECONDS };
}

export type NewWebhook = z.output<typeof webhookOperations.create.body>;
export type WebhookPatch = z.output<typeof webhookOperations.update.body>;

/** Shown as the reason when an admin turns an endpoint off (the worker writes its own reasons). */
export const DISABLED_BY_ADMIN = 'Disabled by an admin.';

/** `host` or `host:port` of WEBHOOK_ALLOWED_HOSTS; a bare name allows every port of it. */
export function isAllowedHost(url: URL, allowedHosts: readonly string[]): boolean {
  const host = url.host.toLowerCase();
  const name = url.hostname.toLowerCase();
  return allowedHosts.some((allowed) => allowed.toLowerCase() === host || allowed.toLowerCase() === name);
}

/** The schema checked the URL's shape; plain http depends on the operator's allow-list. */
function checkUrl(deps: WebhookDeps, value: string | undefined): void {
  if (value === undefined) return;
  const url = new URL(value);
  if (url.protocol === 'http:' && !isAllowedHost(url, deps.allowedHosts)) {
    throw fieldRefused('url', 'must be an https:// URL (plain http:// only for hosts the operator allows in WEBHOOK_ALLOWED_HOSTS)');
  }
}

const noSuchWebhook = () => new AppError('not_found', 'No such webhook.');
const noSuchDelivery = () => new AppError('not_found', 'No such delivery.');

async function ownEndpoint(knex: Knex, organizationId: string, id: string, lock = false): Promise<WebhookEndpointRow> {
  const row = await findEndpoint(knex, organizationId, id, lock);
  if (!row) throw noSuchWebhook();
  return row;
}

/** Nothing is delivered to a disabled endpoint: queuing for one would wait forever. */
function requireEnabled(row: WebhookEndpointRow): void {
  if (!row.enabled) throw new AppError('conflict', 'The webhook is disabled: enable it first.');
}

async function presentOne(knex: Knex, row: WebhookEndpointRow): Promise<WebhookData> {
  return (await presentWebhooks(knex, row.organization_id, [row]))[0]!;
}

export async function createWebhook(deps: WebhookDeps, actor: Actor, input: NewWebhook): Promise<{ webhook: WebhookData; secret: string }> {
  checkUrl(deps, input.url);
  const id = randomUUID();
  const secret = generateWebhookSecret();
  const disabled = input.enabled ? {} : { disabled_at: new Date(deps.clock.now()), disabled_reason: DISABLED_BY_ADMIN };
  const row = await deps.knex.transaction(async (trx) => {
    const inserted = await insertEndpoint(trx, { ...input, ...disabled, id, organization_id: actor.identity.org, secret: sealWebhookSecret(deps.secrets, id, secret) });
    await recordChange(trx, actor, { action: webhookOperations.create.name, resourceType: 'webhook', resourceId: id, changes: input });
    return inserted;
  });
  return { webhook: await presentOne(deps.knex, row), secret };
}

/** Turning an endpoint on again forgets why it was off and its failure streak; turning it off says why. */
function enabledChange(deps: WebhookDeps, existing: WebhookEndpointRow, enabled: boolean | undefined): EndpointValues {
  if (enabled === true && !existing.enabled) return { disabled_reason: null, disabled_at: null, failing_since: null };
  if (enabled === false && existing.enabled) return { disabled_reason: DISABLED_BY_ADMIN, disabled_at: new Date(deps.clock.now()) };
  return {};
}

export async function updateWebhook(deps: WebhookDeps, actor: Actor, id: string, patch: WebhookPatch): Promise<WebhookData> {
  checkUrl(deps, patch.url);
  const row = await deps.knex.transaction(async (trx) => {
    const existing = await ownEndpoint(trx, actor.identity.org, id, true);
    const updated = await updateEndpoint(trx, actor.identity.org, id, { ...patch, ...enabledChange(deps, existing, patch.enabled) });
    await recordChange(trx, actor, { action: webhookOperations.update.name, resourceType: 'webhook', resourceId: id, changes: patch });
    return updated;
  });
  return presentOne(deps.knex, row);
}

export async function deleteWebhook(deps: WebhookDeps, actor: Actor, id: string): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    if (!(await deleteEndpoint(trx, actor.identity.org, id))) throw noSuchWebhook();
    await recordChange(trx, actor, { action: webhookOperations.delete.name, resourceType: 'webhook', resourceId: id });
  });
}

/** A new secret, returned this once; the old one keeps signing until the overlap ends. */
export async function rotateWebhookSecret(deps: WebhookDeps, actor: Actor, id: string): Promise<{ webhook: WebhookData; secret: string }> {
  const secret = generateWebhookSecret();
  const expiresAt = new Date(deps.clock.now() + deps.overlapSeconds * 1000);
  const row = await deps.knex.transaction(async (trx) => {
    await ownEndpoint(trx, actor.identity.org, id, true);
    const rotated = await rotateEndpointSecret(trx, actor.identity.org, id, sealWebhookSecret(deps.secrets, id, secret), expiresAt);
    await recordChange(trx, actor, {
      action: webhookOperations.rotateSecret.name, resourceType: 'webhook', resourceId: id, changes: { previous_secret_expires_at: expiresAt.toISOString() },
    });
    return rotated;
  });
  return { webhook: await presentOne(deps.knex, row), secret };
}

async function loadDelivery(knex: Knex, organizationId: string, endpointId: string, deliveryId: string): Promise<DeliveryData> {
  const row = await findDelivery(knex, organizationId, endpointId, deliveryId);
  if (!row) throw noSuchDelivery();
  return presentDelivery(row);
}

/** The delivery again, now, with the same `webhook-id` (the receiver may deduplicate on it). */
export async function replayWebhookDelivery(deps: WebhookDeps, actor: Actor, endpointId: string, deliveryId: string): Promise<DeliveryData> {
  const org = actor.identity.org;
  await deps.knex.transaction(async (trx) => {
    requireEnabled(await ownEndpoint(trx, org, endpointId));
    if (!(await replayDelivery(trx, org, endpointId, deliveryId, new Date(deps.clock.now())))) throw noSuchDelivery();
    await recordChange(trx, actor, { action: webhookDeliveryOperations.replay.name, resourceType: 'webhook_delivery', resourceId: deliveryId, changes: { endpoint_id: endpointId } });
  });
  return loadDelivery(deps.knex, org, endpointId, deliveryId);
}

/** Every failed delivery since `since`, queued again; how many. */
export async function replayFailedWebhookDeliveries(deps: WebhookDeps, actor: Actor, endpointId: string, since: Date): Promise<number> {
  return deps.knex.transaction(async (trx) => {
    requireEnabled(await ownEndpoint(trx, actor.identity.org, endpointId));
    const ids = await replayFailedSince(trx, actor.identity.org, endpointId, since, new Date(deps.clock.now()));
    await recordChange(trx, actor, {
      action: webhookOperations.replay.name, resourceType: 'webhook', resourceId: endpointId, changes: { since: since.toISOString(), replayed: ids.length },
    });
    return ids.length;
  });
}

/**
 * A `webhook.test` delivery of a fresh event id, in no conversation: the envelope has the shape
 * of every event's, so a receiver's verification code can be tried on it.
 */
export async function sendWebhookTestEvent(deps: WebhookDeps, actor: Actor, endpointId: string): Promise<DeliveryData> {
  const org = actor.identity.org;
  const at = new Date(deps.clock.now());
  const deliveryId = await deps.knex.transaction(async (trx) => {
    requireEnabled(await ownEndpoint(trx, org, endpointId));
    const eventId = randomUUID();
    const payload = {
      id: eventId, type: TEST_EVENT_TYPE, timestamp: at.toISOString(), organization_id: org,
      actor: { type: actor.identity.kind, id: actor.identity.sub },
      data: { webhook_id: endpointId, message: 'A test event from Gatehouse: your endpoint is reachable and can verify signatures.' },
    };
    const inserted = await insertLooseDelivery(trx, { organization_id: org, endpoint_id: endpointId, event_id: eventId, event_type: TEST_EVENT_TYPE, payload, at });
    await recordChange(trx, actor, { action: webhookOperations.test.name, resourceType: 'webhook_delivery', resourceId: inserted, changes: { endpoint_id: endpointId, event_id: eventId } });
    return inserted;
  });
  return loadDelivery(deps.knex, org, endpointId, deliveryId);
}
