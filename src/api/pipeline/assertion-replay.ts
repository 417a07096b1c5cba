import { ASSERTION_REPLAY_WINDOW_MS } from '../../contract/identity.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Redis } from '../../shared/redis.js';

/**
 * The assertion ids (`jti`) this resource API has accepted within an assertion's lifetime
 * (issue 17, finding 8): a second use of one is a replay. The gateway makes a fresh assertion
 * per request, so a legitimate request never repeats one.
 *
 * In this process: two generations of sets, rotated every window, so an id is remembered for at
 * least one window (longer than any assertion is accepted) and memory holds at most two
 * windows of ids. With Redis (the multi-process deployment), also `SET NX PX` in Redis, so an
 * assertion used at one API process is refused at every other: an attacker on the internal
 * network could otherwise replay it to the next process behind the load balancer. When Redis
 * fails, the process's own memory still refuses replays to it, and the failure is logged, as
 * the rate limits do: Redis going away degrades to per-process, never to an outage of the API.
 */
export interface ReplayCache {
  /** Records the id; true when it had been seen before (a replay). */
  seenBefore(id: string): Promise<boolean> | boolean;
}

export function createReplayCache(options: { redis: Redis | undefined; keyPrefix: string; clock: Clock; logger: Logger }): ReplayCache {
  const { redis, clock, logger } = options;
  const windowMs = ASSERTION_REPLAY_WINDOW_MS;
  let current = new Set<string>();
  let previous = new Set<string>();
  let rotatedAt = clock.now();

  function seenHere(id: string): boolean {
    const now = clock.now();
    if (now - rotatedAt >= windowMs) {
      // More than two windows since the last rotation: nothing remembered is still valid.
      previous = now - rotatedAt >= 2 * windowMs ? new Set() : current;
      current = new Set();
      rotatedAt = now;
    }
    if (current.has(id) || previous.has(id)) return true;
    current.add(id);
    return false;
  }

  if (!redis) return { seenBefore: seenHere };
  const prefix = `${options.keyPrefix}assertion-jti:`;
  return {
    seenBefore(id) {
      if (seenHere(id)) return true;
      return redis.set(prefix + id, '1', 'PX', windowMs, 'NX').then(
        (reply) => reply === null,
        (err: unknown) => {
          logger.warn({ err }, 'assertion replay cache: Redis failed; refusing replays per process until it answers again');
          return false;
        },
      );
    },
  };
}
