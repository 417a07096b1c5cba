import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from '../../shared/redis.js';
import { AppError } from '../../shared/errors.js';

/**
 * Failed sign-ins per (email, IP) pair. A success clears the pair; a block lasts a bounded time,
 * so nobody can lock another user out for good. Redis-backed across processes, with an
 * in-memory insurance limiter while Redis is unreachable.
 */
export interface SignInThrottle {
  /** Throws 429 `rate_limited` with Retry-After while the pair is blocked. */
  check(email: string, ip: string): Promise<void>;
  failed(email: string, ip: string): Promise<void>;
  succeeded(email: string, ip: string): Promise<void>;
}

export function createSignInThrottle(options: { redis: Redis | undefined; keyPrefix: string; maxFailures: number; blockSeconds: number }): SignInThrottle {
  const base = { points: options.maxFailures, duration: options.blockSeconds, blockDuration: options.blockSeconds, keyPrefix: `${options.keyPrefix}token-api-failures` };
  const memory = new RateLimiterMemory(base);
  const limiter = options.redis
    ? new RateLimiterRedis({ ...base, storeClient: options.redis, useRedisPackage: false, insuranceLimiter: new RateLimiterMemory(base) })
    : memory;
  const key = (email: string, ip: string) => `${email.toLowerCase()}|${ip}`;

  const tooMany = (res: RateLimiterRes) => {
    const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new AppError('rate_limited', 'Too many failed sign-ins; try again later.', { headers: { 'retry-after': String(seconds) } });
  };

  return {
    async check(email, ip) {
      const res = await limiter.get(key(email, ip));
      if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) throw tooMany(res);
    },
    async failed(email, ip) {
      await limiter.consume(key(email, ip)).catch((res: unknown) => {
        if (!(res instanceof RateLimiterRes)) throw res;
      });
    },
    async succeeded(email, ip) {
      await limiter.delete(key(email, ip));
    },
  };
}
