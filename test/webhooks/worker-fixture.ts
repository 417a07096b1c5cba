import { randomBytes, randomUUID } from 'node:crypto';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import type { EventType } from '../../src/contract/events.js';
import { insertOrganization } from '../../src/db/accounts.js';
import { OUTBOX_CHANNEL } from '../../src/db/outbox-reads.js';
import { recordChange } from '../../src/domain/record-change.js';
import { fixedClock } from '../../src/shared/clock.js';
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerDeps } from '../../src/webhooks/worker.js';
import { createTestRuntime } from '../helpers/runtime.js';
import { addEndpoint, startReceiver, type EndpointOptions, type Receiver, type Responder } from './helpers.js';

// A worker on a movable clock, events written the way a handler writes them (recordChange in a
// transaction, then the bus), and a receiver answering per path: what the retry, ordering and
// claim tests drive. The clock starts on a whole second so HTTP dates in Retry-After are exact.

export interface WorkerFixture {
  runtime: OwnedRuntime;
  clock: ReturnType<typeof fixedClock>;
  receiver: Receiver;
  organizationId: string;
  worker: WebhookWorker;
  /** Another worker on the same database (stopped with the fixture). */
  secondWorker(): WebhookWorker;
  endpoint(path: string, options?: Partial<EndpointOptions>): Promise<{ id: string; secret: string }>;
  /** Answers requests to `path` (others get 204). */
  on(path: string, responder: Responder): void;
  /** A conversation row, for events that belong to one. */
  conversation(): Promise<string>;
  emit(type: EventType, conversationId?: string): Promise<string>;
  /** Wakes the worker and waits until it is idle. */
  run(worker?: WebhookWorker): Promise<void>;
  close(): Promise<void>;
}

export const SCHEDULE = ['1m', '10m', '1h'];

export async function startWorkerFixture(overrides: Partial<WebhookWorkerDeps['config']> = {}): Promise<WorkerFixture> {
  const clock = fixedClock(Math.ceil(Date.now() / 1_000) * 1_000);
  const runtime = await createTestRuntime({ clock });
  const receiver = await startReceiver();
  const responders = new Map<string, Responder>();
  receiver.respond((received) => (responders.get(received.path) ?? (() => ({ status: 204 })))(received));
  const organization = await insertOrganization(runtime.db.knex, { name: `webhooks-${randomUUID().slice(0, 8)}` });
  const workers: WebhookWorker[] = [];
  const makeWorker = () => {
    const worker = startWebhookWorker({
      knex: runtime.db.knex, bus: runtime.bus, clock, logger: runtime.logger, secrets: runtime.secrets, metrics: runtime.metrics,
      config: {
        ...runtime.config, WEBHOOK_ALLOWED_HOSTS: [`127.0.0.1:${receiver.port}`], WEBHOOK_RETRY_SCHEDULE: SCHEDULE,
        WEBHOOK_RETRY_AFTER_MAX_SECONDS: 3_600, WEBHOOK_POLL_INTERVAL_MS: 600_000, ...overrides,
      },
      random: () => 0.5,
    });
    workers.push(worker);
    return worker;
  };
  const worker = makeWorker();
  const actor = { identity: { sub: randomUUID(), org: organization.id, kind: 'user' as const }, requestId: 'webhook-tests' };
  return {
    runtime, clock, receiver, organizationId: organization.id, worker,
    secondWorker: makeWorker,
    endpoint: (path, options = {}) => addEndpoint(runtime.db.knex, runtime.secrets, organization.id, { url: `${receiver.url}${path}`, ...options }),
    on: (path, responder) => void responders.set(path, responder),
    async conversation() {
      const [row] = await runtime.db.knex('conversations').insert({ organization_id: organization.id, token: `cnv_${randomBytes(12).toString('hex')}` }).returning('id');
      return (row as { id: string }).id;
    },
    async emit(type, conversationId) {
      const resourceId = randomUUID();
      await runtime.db.knex.transaction((trx) => recordChange(trx, actor, {
        action: 'test.emit', resourceType: 'test', resourceId, ...(conversationId ? { conversationId } : {}), events: [{ type, data: { id: resourceId } }],
      }));
      await runtime.bus.publish(OUTBOX_CHANNEL, {});
      const row = (await runtime.db.knex('outbox_events').where({ resource_id: resourceId }).first('id')) as { id: string };
      return row.id;
    },
    async run(which = worker) {
      which.wake();
      await which.settled();
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await receiver.close();
      await runtime.close();
    },
  };
}
