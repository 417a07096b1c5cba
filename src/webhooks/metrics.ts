import type { Knex } from 'knex';
import { webhookQueueStats } from '../db/webhook-deliveries.js';
import type { Logger } from '../shared/logger.js';
import { prometheus, type Registry } from '../shared/metrics.js';

export type AttemptOutcome = 'delivered' | 'retry' | 'failed';

/**
 * The worker's Prometheus metrics (issue 11), on the process's registry and so on the gateway's
 * `/metrics` when they share a process. The queue gauges read the database when scraped: they
 * describe the installation, whichever worker is asked. Registered once per registry (several
 * workers in one test process share them).
 */
export interface WebhookMetrics {
  attempts: prometheus.Counter<'outcome'>;
  latency: prometheus.Histogram;
  duration: prometheus.Histogram;
}

const latencyBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1_800, 7_200, 86_400];
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

export function createWebhookMetrics(registry: Registry, knex: Knex, logger: Logger): WebhookMetrics {
  function get<T>(name: string, make: () => T): T {
    return (registry.getSingleMetric(name) as T | undefined) ?? make();
  }
  const registers = [registry];
  let stats: Promise<{ depth: number; oldest: Date | null }> | undefined;
  // One query serves both gauges of a scrape.
  const readStats = () => (stats ??= webhookQueueStats(knex).finally(() => setTimeout(() => (stats = undefined), 100).unref()));
  const collect = async (gauge: prometheus.Gauge, pick: (s: { depth: number; oldest: Date | null }) => number) => {
    try {
      gauge.set(pick(await readStats()));
    } catch (err) {
      logger.warn({ err }, 'could not read the webhook queue for metrics');
    }
  };
  get('webhook_queue_depth', () => new prometheus.Gauge({
    name: 'webhook_queue_depth', help: 'Events not yet fanned out plus deliveries pending to enabled endpoints.', registers,
    async collect() { await collect(this, (s) => s.depth); },
  }));
  get('webhook_oldest_undelivered_seconds', () => new prometheus.Gauge({
    name: 'webhook_oldest_undelivered_seconds', help: 'Age of the oldest event not yet fanned out or delivered to an enabled endpoint (0: none).', registers,
    async collect() { await collect(this, (s) => (s.oldest ? Math.max(0, (Date.now() - s.oldest.getTime()) / 1_000) : 0)); },
  }));
  return {
    attempts: get('webhook_delivery_attempts_total', () => new prometheus.Counter({
      name: 'webhook_delivery_attempts_total', help: 'Webhook delivery attempts by outcome: delivered, retry (will be tried again), failed (given up).',
      labelNames: ['outcome'] as const, registers,
    })),
    latency: get('webhook_delivery_latency_seconds', () => new prometheus.Histogram({
      name: 'webhook_delivery_latency_seconds', help: 'From the event (or a replay) to its successful delivery.', buckets: latencyBuckets, registers,
    })),
    duration: get('webhook_attempt_duration_seconds', () => new prometheus.Histogram({
      name: 'webhook_attempt_duration_seconds', help: 'One delivery attempt, from connecting to the end of the answer.', buckets: durationBuckets, registers,
    })),
  };
}
