import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../../shared/config/index.js';
import { AppError } from '../../shared/errors.js';
import type { Redis } from '../../shared/redis.js';

/**
 * Password-reset requests per address and per IP (issue 18): mail bombing one inbox, or probing
 * many, is bounded. Counted on the address as typed, whether or not it has an account, so the
 * limit tells nothing either. Shared through Redis when configured (memory while it is down).
 */
export interface ResetThrottle {
  /** Counts the request; throws 429 `rate_limited` with Retry-After past either limit. */
  consume(email: string, ip: string): Promise<void>;
}

export function createResetThrottle(config: Config, redis: Redis | undefined): ResetThrottle {
  const make = (name: string, points: number): RateLimiterAbstract => {
    const options = { keyPrefix: `${config.REDIS_KEY_PREFIX}password-reset-${name}`, points, duration: config.PASSWORD_RESET_WINDOW_SECONDS };
    return redis ? new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: false, insuranceLimiter: new RateLimiterMemory(options) }) : new RateLimiterMemory(options);
  };
  const byEmail = make('email', config.PASSWORD_RESET_MAX_PER_EMAIL);
  const byIp = make('ip', config.PASSWORD_RESET_MAX_PER_IP);

  async function take(limiter: RateLimiterAbstract, key: string): Promise<number> {
    try {
      await limiter.consume(key);
      return 0;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    }
  }

  return {
    async consume(email, ip) {
      const waits = await Promise.all([take(byEmail, email.trim().toLowerCase()), take(byIp, ip)]);
      const wait = Math.max(...waits);
      if (wait > 0) {
        throw new AppError('rate_limited', `Too many password-reset requests; try again in ${Math.ceil(wait / 60)} minute(s).`, { headers: { 'retry-after': String(wait) } });
      }
    },
  };
}
