import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessBus, createRedisBus, type EventBus } from '../../src/shared/bus.js';
import { createLogger } from '../../src/shared/logger.js';
import { createRedis } from '../../src/shared/redis.js';
import { backend, createTestRedis } from '../helpers/backend.js';
import { startOwnRedis } from '../helpers/own-redis.js';

const logger = createLogger({ level: 'silent' });

function nextMessage(bus: EventBus, channel: string): Promise<unknown> {
  return new Promise((resolve) => {
    const off = bus.subscribe(channel, (message) => {
      off();
      resolve(message);
    });
  });
}

describe(`event bus (${backend === 'postgres' ? 'Redis pub/sub' : 'in-process'})`, () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  /** Two buses that share a transport, as two processes would. */
  async function pair(): Promise<[EventBus, EventBus]> {
    if (backend === 'embedded') {
      const bus = createInProcessBus();
      return [bus, bus];
    }
    const make = async (prefix?: string) => {
      const clients = createTestRedis()!;
      await Promise.all([clients.redis.connect(), clients.subscriber.connect()]);
      cleanups.push(() => {
        clients.redis.disconnect();
        clients.subscriber.disconnect();
      });
      return { bus: createRedisBus({ publisher: clients.redis, subscriber: clients.subscriber, logger, prefix: prefix ?? clients.prefix }), prefix: clients.prefix };
    };
    const first = await make();
    const second = await make(first.prefix);
    return [first.bus, second.bus];
  }

  it('delivers a published message to a subscriber of the same channel only', async () => {
    const [a, b] = await pair();
    const other: unknown[] = [];
    b.subscribe('other', (m) => other.push(m));
    const received = nextMessage(b, 'revocations');
    await new Promise((resolve) => setTimeout(resolve, 50)); // let SUBSCRIBE reach Redis
    await a.publish('revocations', { kind: 'token', subject: 'jti-1', expiresAt: 1 });
    expect(await received).toEqual({ kind: 'token', subject: 'jti-1', expiresAt: 1 });
    expect(other).toEqual([]);
  });

  it('stops delivering after unsubscribe', async () => {
    const [a, b] = await pair();
    const seen: unknown[] = [];
    const off = b.subscribe('c', (m) => seen.push(m));
    const last = nextMessage(b, 'c');
    await new Promise((resolve) => setTimeout(resolve, 50));
    off();
    await a.publish('c', 'after');
    await last;
    expect(seen).toEqual([]);
  });

  describe.runIf(backend === 'postgres')('across a Redis restart', () => {
    it('subscriptions come back, and a bus closed while they are being renewed leaves no unhandled rejection', async () => {
      const redis = await startOwnRedis();
      const publisher = createRedis(redis.url, { commandTimeoutMs: 1_000, name: 'test-restart-pub' });
      const subscriber = createRedis(redis.url, { commandTimeoutMs: 1_000, name: 'test-restart-sub', subscriber: true });
      try {
        await Promise.all([publisher.connect(), subscriber.connect()]);
        const bus = createRedisBus({ publisher, subscriber, logger, prefix: 'restart:' });
        const seen: unknown[] = [];
        bus.subscribe('c', (m) => seen.push(m));
        await new Promise((resolve) => setTimeout(resolve, 50));

        await redis.stop();
        await redis.start();
        await new Promise<void>((resolve) => bus.onReconnect(resolve));
        await new Promise((resolve) => setTimeout(resolve, 50)); // the renewed SUBSCRIBE reaches Redis
        await bus.publish('c', 'after the restart');
        await expect.poll(() => seen).toEqual(['after the restart']);

        // Closing the subscriber the moment it is ready again, with its SUBSCRIBE in flight, is
        // what a process shutting down during a Redis restart does: the renewal must not reject
        // unobserved (vitest fails the run on an unhandled rejection).
        await redis.stop();
        await redis.start();
        await new Promise<void>((resolve) => subscriber.once('ready', () => {
          subscriber.disconnect();
          resolve();
        }));
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        publisher.disconnect();
        subscriber.disconnect();
        await redis.stop();
      }
    });
  });
});
