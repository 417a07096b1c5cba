import { setMaxListeners } from 'node:events';
import type { Knex } from 'knex';
import { OUTBOX_CHANNEL } from '../db/outbox-reads.js';
import { claimDueDeliveries, nextDeliveryDueAt, releaseDelivery, type ClaimedDelivery } from '../db/webhook-deliveries.js';
import type { EventBus } from '../shared/bus.js';
import type { Clock } from '../shared/clock.js';
import type { Config } from '../shared/config/index.js';
import { startDrainLoop } from '../shared/drain-loop.js';
import type { Logger } from '../shared/logger.js';
import type { Registry } from '../shared/metrics.js';
import type { Component, Runtime } from '../shared/runtime.js';
import type { Secrets } from '../shared/secrets.js';
import { attemptDelivery, type DeliverySettings } from './deliver.js';
import { fanOutBatch } from './fan-out.js';
import { createWebhookMetrics } from './metrics.js';
import { systemResolve, type Resolve } from './send.js';

export type WorkerSettings = DeliverySettings & Pick<Config, 'WEBHOOK_POLL_INTERVAL_MS' | 'WEBHOOK_WORKER_CONCURRENCY' | 'SHUTDOWN_TIMEOUT_MS'>;

export interface WebhookWorkerDeps {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  secrets: Secrets;
  metrics: Registry;
  config: WorkerSettings;
  /** DNS, replaceable so tests can make a name resolve to a private address. */
  resolve?: Resolve;
  /** The retry jitter's randomness. */
  random?: () => number;
}

export interface WebhookWorker {
  /** Looks for work now (the bus does this after every write). */
  wake(): void;
  /** Resolves when the worker is idle: nothing being claimed, nothing in flight (tests wait on it). */
  settled(): Promise<void>;
  /** Stops claiming; lets attempts in flight finish within SHUTDOWN_TIMEOUT_MS, then gives their claims back. */
  stop(): Promise<void>;
}

const FAN_OUT_BATCH = 200;
/** However soon something seems due, the next look is at least this far off (held-back deliveries). */
const MIN_DELAY_MS = 200;

/**
 * The webhook worker (issue 11): fans undispatched outbox events out to deliveries, then claims
 * due deliveries and attempts each (deliver.ts), up to WEBHOOK_WORKER_CONCURRENCY at once. It
 * wakes on OUTBOX_CHANNEL after every write, when an attempt ends, when the earliest retry falls
 * due, and every WEBHOOK_POLL_INTERVAL_MS in any case: the database is the queue, a lost wake-up
 * only delays an event.
 */
export function startWebhookWorker(deps: WebhookWorkerDeps): WebhookWorker {
  const { knex, clock, logger, config } = deps;
  const leaseMs = config.WEBHOOK_TIMEOUT_MS * 2;
  const metrics = createWebhookMetrics(deps.metrics, knex, logger);
  const deliveryDeps = {
    knex, clock, logger, secrets: deps.secrets, config, metrics, resolve: deps.resolve ?? systemResolve, random: deps.random ?? Math.random,
  };
  const inFlight = new Map<string, Promise<void>>();
  const abort = new AbortController();
  // Every attempt in flight listens for the stop.
  setMaxListeners(0, abort.signal);
  let running = true;
  let eventsMayWait = true;

  function launch(delivery: ClaimedDelivery): void {
    const attempt = attemptDelivery(delivery, deliveryDeps, abort.signal)
      .then((done) => (done ? undefined : releaseDelivery(knex, delivery)))
      .catch((err: unknown) => logger.error({ err, delivery_id: delivery.id }, 'could not record a webhook attempt; the claim will run out and the delivery be tried again'))
      .finally(() => {
        inFlight.delete(delivery.id);
        claimSoon();
      });
    inFlight.set(delivery.id, attempt);
  }

  async function drain(): Promise<void> {
    while (running) {
      const now = new Date(clock.now());
      // New events come with a wake-up from the bus (or the poll); an attempt ending brings none.
      const fanOut = eventsMayWait;
      eventsMayWait = false;
      const fanned = fanOut ? await fanOutBatch(knex, { now, limit: FAN_OUT_BATCH }) : 0;
      if (fanned === FAN_OUT_BATCH) eventsMayWait = true;
      const room = config.WEBHOOK_WORKER_CONCURRENCY - inFlight.size;
      const claimed = room > 0 && running ? await claimDueDeliveries(knex, { now, leaseMs, limit: room }) : [];
      for (const delivery of claimed) launch(delivery);
      if (fanned < FAN_OUT_BATCH && (room <= 0 || claimed.length < room)) return;
    }
  }

  const loop = startDrainLoop({
    drain, nextDueAt: () => nextDeliveryDueAt(knex, new Date(clock.now())), pollMs: config.WEBHOOK_POLL_INTERVAL_MS, minDelayMs: MIN_DELAY_MS, clock, logger,
    messages: { drainFailed: 'could not fan out or claim webhook deliveries; trying again later', nextDueFailed: 'could not read when the next webhook delivery is due' },
  });

  /** Something may have been written: fan out, then claim. */
  function wake(): void {
    eventsMayWait = true;
    claimSoon();
  }

  /** Claim what is due (an attempt ended, freeing room). */
  function claimSoon(): void {
    loop.kick();
  }

  const unsubscribe = deps.bus.subscribe(OUTBOX_CHANNEL, wake);
  const unsubscribeReconnect = deps.bus.onReconnect(wake);
  wake();

  return {
    wake,
    async settled() {
      while (loop.current() || inFlight.size > 0) {
        await loop.current();
        await Promise.all(inFlight.values());
      }
    },
    async stop() {
      running = false;
      unsubscribe();
      unsubscribeReconnect();
      await loop.stop();
      const finished = Promise.all(inFlight.values()).then(() => true);
      const bounded = new Promise<false>((resolve) => setTimeout(() => resolve(false), config.SHUTDOWN_TIMEOUT_MS).unref());
      if (!(await Promise.race([finished, bounded]))) {
        logger.warn({ in_flight: inFlight.size }, 'webhook attempts still running at shutdown; giving their deliveries back');
        abort.abort();
        await finished;
      }
    },
  };
}

/** The worker as a component of `gatehouse start` (roles `worker` and `all`). */
export function createWebhookWorker(runtime: Runtime): Component {
  const logger = runtime.logger.child({ component: 'worker' });
  const worker = startWebhookWorker({
    knex: runtime.db.knex, bus: runtime.bus, clock: runtime.clock, logger, secrets: runtime.secrets, metrics: runtime.metrics, config: runtime.config,
  });
  logger.info('webhook worker started');
  return { name: 'worker', stop: () => worker.stop() };
}
