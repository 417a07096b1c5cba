import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../../shared/config/index.js';
import type { Redis } from '../../shared/redis.js';

export interface LoginThrottle {
  /** Seconds to wait when this email+IP or this IP is blocked, else 0. */
  blockedFor(email: string, ip: string): Promise<number>;
  recordFailure(email: string, ip: string): Promise<void>;
  recordSuccess(email: string, ip: string): Promise<void>;
}

/**
 * Two limits, both temporary so nobody can lock an account forever (OWASP Authentication
 * Cheat Sheet): consecutive failures per email+IP (reset by a success), and attempts per IP.
 * Shared through Redis when configured, so every auth process counts the same attempts.
 */
export function createLoginThrottle(config: Config, redis: Redis | undefined): LoginThrottle {
  const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const options = { keyPrefix: `${config.REDIS_KEY_PREFIX}${keyPrefix}`, points, duration: config.LOGIN_BLOCK_SECONDS, blockDuration: config.LOGIN_BLOCK_SECONDS };
    // insuranceLimiter: a Redis outage degrades to per-process counting instead of failing logins.
    return redis
      ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) })
      : new RateLimiterMemory(options);
  };
  const byEmailIp = make('login-fail-email-ip:', config.LOGIN_MAX_FAILURES_PER_EMAIL_IP);
  const byIp = make('login-ip:', config.LOGIN_MAX_ATTEMPTS_PER_IP);
  const pairKey = (email: string, ip: string) => `${email.trim().toLowerCase()}|${ip}`;

  const msBefore = (res: RateLimiterRes | null, limit: number) =>
    res && res.consumedPoints >= limit ? Math.ceil(res.msBeforeNext / 1000) : 0;

  return {
    async blockedFor(email, ip) {
      const [pair, perIp] = await Promise.all([byEmailIp.get(pairKey(email, ip)), byIp.get(ip)]);
      return Math.max(msBefore(pair, config.LOGIN_MAX_FAILURES_PER_EMAIL_IP), msBefore(perIp, config.LOGIN_MAX_ATTEMPTS_PER_IP));
    },
    async recordFailure(email, ip) {
      await Promise.all([consumeQuietly(byEmailIp, pairKey(email, ip)), consumeQuietly(byIp, ip)]);
    },
    async recordSuccess(email, ip) {
      await Promise.all([byEmailIp.delete(pairKey(email, ip)), consumeQuietly(byIp, ip)]);
    },
  };
}

// consume() rejects once the limit is passed; that rejection is the block we read in blockedFor().
async function consumeQuietly(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.consume(key).catch((rejection: unknown) => {
    if (rejection instanceof Error) throw rejection;
  });
}
