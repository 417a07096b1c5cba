import { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';

export type BusHandler = (message: unknown) => void;

/**
 * Fan-out of small events between components and processes (revocations, key rotation,
 * cache invalidation). Delivery is at most once; anything that must survive a restart is also
 * written to the database, and subscribers re-sync from it when `onReconnect` fires.
 */
export interface EventBus {
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: BusHandler): () => void;
  /** Called after the bus reconnects, when messages may have been missed. */
  onReconnect(handler: () => void): () => void;
  close(): Promise<void>;
}

export function createInProcessBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(channel, message) {
      // Deliver asynchronously, as Redis would, so publishers never depend on handler timing.
      queueMicrotask(() => emitter.emit(channel, message));
    },
    subscribe(channel, handler) {
      emitter.on(channel, handler);
      return () => emitter.off(channel, handler);
    },
    onReconnect() {
      return () => {};
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export function createRedisBus(options: { publisher: Redis; subscriber: Redis; logger: Logger; prefix: string }): EventBus {
  const { publisher, subscriber, logger, prefix } = options;
  const handlers = new Map<string, Set<BusHandler>>();
  const reconnectHandlers = new Set<() => void>();
  // The subscriber may already be connected when the bus is built (createRuntime connects first).
  let everReady = subscriber.status === 'ready';

  const subscribeTo = (channels: string[]) => {
    if (channels.length === 0) return;
    subscriber.subscribe(...channels.map((channel) => prefix + channel)).catch((err: unknown) => logger.warn({ err, channels }, 'subscribe failed'));
  };

  subscriber.on('ready', () => {
    if (everReady) {
      logger.info('event bus reconnected');
      subscribeTo([...handlers.keys()]);
      for (const handler of reconnectHandlers) handler();
    }
    everReady = true;
  });
  subscriber.on('message', (rawChannel: string, raw: string) => {
    const set = handlers.get(rawChannel.slice(prefix.length));
    if (!set) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      logger.warn({ channel: rawChannel }, 'event bus dropped a message that is not JSON');
      return;
    }
    for (const handler of set) handler(message);
  });

  return {
    async publish(channel, message) {
      await publisher.publish(prefix + channel, JSON.stringify(message));
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        subscribeTo([channel]);
      }
      set.add(handler);
      return () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(channel);
          subscriber.unsubscribe(prefix + channel).catch(() => {});
        }
      };
    },
    onReconnect(handler) {
      reconnectHandlers.add(handler);
      return () => reconnectHandlers.delete(handler);
    },
    async close() {
      handlers.clear();
      reconnectHandlers.clear();
    },
  };
}
