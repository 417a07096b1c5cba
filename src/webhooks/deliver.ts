import type { Knex } from 'knex';
import { recordDeliveryAttempt, type ClaimedDelivery, type DeliveryOutcome, type EndpointEffect } from '../db/webhook-deliveries.js';
import { openWebhookSecret } from '../domain/webhook-secrets.js';
import type { Clock } from '../shared/clock.js';
import type { Config } from '../shared/config/index.js';
import { durationMs } from '../shared/config/webhooks.js';
import type { Logger } from '../shared/logger.js';
import type { Secrets } from '../shared/secrets.js';
import type { WebhookMetrics } from './metrics.js';
import { retryAfterMs, retryDelayMs, shortestScheduleMs } from './retry.js';
import { sendWebhook, type Resolve, type SendResult } from './send.js';
import { signatureHeader } from './sign.js';

export type DeliverySettings = Pick<Config, 'WEBHOOK_TIMEOUT_MS' | 'WEBHOOK_RETRY_SCHEDULE' | 'WEBHOOK_RETRY_AFTER_MAX_SECONDS' | 'WEBHOOK_ALLOWED_HOSTS'>;

export interface DeliveryDeps {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  secrets: Secrets;
  config: DeliverySettings;
  metrics: WebhookMetrics;
  resolve: Resolve;
  random: () => number;
}

/** What an attempt's answer means: success, a retry (when), or the end, with the endpoint's fate. */
interface Verdict {
  outcome: DeliveryOutcome;
  effect: EndpointEffect;
  error: string | null;
}

const USER_AGENT = 'Gatehouse-Webhooks/1';

/** The Standard Webhooks request of a delivery: its frozen envelope, signed with the live secrets. */
export function signedRequest(delivery: ClaimedDelivery, secrets: Secrets, now: number): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(delivery.payload);
  const keys = [openWebhookSecret(secrets, delivery.endpoint_id, delivery.secret)];
  // During a rotation's overlap the old secret signs too, so receivers can switch at leisure.
  if (delivery.previous_secret && delivery.previous_secret_expires_at && delivery.previous_secret_expires_at.getTime() > now) {
    keys.push(openWebhookSecret(secrets, delivery.endpoint_id, delivery.previous_secret));
  }
  const timestamp = Math.floor(now / 1_000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': delivery.event_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(keys, delivery.event_id, timestamp, body),
    },
  };
}

/**
 * One attempt of one claimed delivery (DESIGN.md "Webhooks"): only 2xx is success; 410 disables
 * the endpoint; anything else is retried on the schedule (or after `Retry-After`) until the
 * schedule is spent, when the delivery fails and an endpoint that has failed that long without a
 * success is disabled. The attempt is recorded, whatever happened. Resolves `false` when the
 * attempt was abandoned (the worker stopping): the caller gives the claim back instead.
 */
export async function attemptDelivery(delivery: ClaimedDelivery, deps: DeliveryDeps, signal?: AbortSignal): Promise<boolean> {
  const { clock, config, logger } = deps;
  const startedAt = clock.now();
  const started = performance.now();
  const { headers, body } = signedRequest(delivery, deps.secrets, startedAt);
  const result = await sendWebhook(delivery.url, headers, body, {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowedHosts: config.WEBHOOK_ALLOWED_HOSTS, resolve: deps.resolve, ...(signal ? { signal } : {}),
  });
  if (signal?.aborted) return false;
  const durationMs = Math.round(performance.now() - started);
  const verdict = judge(delivery, result, deps);
  const { disabled } = await recordDeliveryAttempt(deps.knex, delivery, {
    startedAt: new Date(startedAt), durationMs,
    responseStatus: result.kind === 'answered' ? result.status : null,
    responseBody: result.kind === 'answered' ? result.body : null,
    error: verdict.error,
  }, verdict.outcome, verdict.effect);

  const outcome = verdict.outcome.status === 'pending' ? 'retry' : verdict.outcome.status;
  deps.metrics.attempts.inc({ outcome });
  deps.metrics.duration.observe(durationMs / 1_000);
  const log = {
    delivery_id: delivery.id, endpoint_id: delivery.endpoint_id, event_id: delivery.event_id, event_type: delivery.event_type,
    attempt: delivery.attempt, status: result.kind === 'answered' ? result.status : undefined, duration_ms: durationMs,
  };
  if (outcome === 'delivered') {
    const eventTime = Date.parse(String(delivery.payload.timestamp));
    deps.metrics.latency.observe(Math.max(0, clock.now() - (Number.isNaN(eventTime) ? delivery.created_at.getTime() : eventTime)) / 1_000);
    logger.debug(log, 'webhook delivered');
  } else {
    const next = verdict.outcome.status === 'pending' ? verdict.outcome.nextAttemptAt : undefined;
    logger.warn({ ...log, error: verdict.error, ...(result.kind === 'refused' ? { refused: true } : {}), next_attempt_at: next },
      outcome === 'failed' ? 'webhook delivery failed; giving up' : 'webhook delivery failed; will retry');
  }
  if (disabled) logger.warn({ endpoint_id: delivery.endpoint_id, reason: verdict.effect.kind === 'disable' ? verdict.effect.reason : undefined }, 'webhook endpoint disabled');
  return true;
}

function judge(delivery: ClaimedDelivery, result: SendResult, deps: DeliveryDeps): Verdict {
  const now = deps.clock.now();
  const at = new Date(now);
  if (result.kind === 'answered' && result.status >= 200 && result.status < 300) {
    return { outcome: { status: 'delivered', at }, effect: { kind: 'success', at }, error: null };
  }
  const error = result.kind === 'answered' ? `the endpoint answered ${result.status}` : result.error;
  if (result.kind === 'answered' && result.status === 410) {
    return { outcome: { status: 'failed' }, error, effect: { kind: 'disable', at, reason: 'The endpoint answered 410 Gone.' } };
  }
  const schedule = deps.config.WEBHOOK_RETRY_SCHEDULE.map(durationMs);
  const retryAfter = result.kind === 'answered' ? retryAfterMs(result.retryAfter, now, deps.config.WEBHOOK_RETRY_AFTER_MAX_SECONDS * 1_000) : undefined;
  const delay = retryDelayMs(schedule, delivery.attempt, deps.random);
  if (delay !== undefined) {
    return { outcome: { status: 'pending', nextAttemptAt: new Date(now + (retryAfter ?? delay)) }, effect: { kind: 'failure', at }, error };
  }
  return {
    outcome: { status: 'failed' }, error,
    effect: {
      kind: 'disable', at, failingSince: new Date(now - shortestScheduleMs(schedule)),
      reason: `Every delivery failed for the whole retry schedule (last: ${error}).`,
    },
  };
}
