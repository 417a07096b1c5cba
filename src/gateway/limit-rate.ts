import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from '../shared/redis.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';

/**
 * Rate limits (issue 5 "Rate limits"), rate-limiter-flexible underneath. With Redis every
 * gateway process shares one atomic counter per key; without it each process counts alone.
 * When Redis fails (down, or slower than the command timeout) a request is counted by a
 * per-process memory limiter holding limit ÷ process count, so the cluster-wide limit roughly
 * holds, no request waits on a dead Redis, and the next successful call switches back.
 * Responses carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers).
 */
export interface RateCheck {
  /** Policy name shown in the headers: `principal`, `organization`, `ip`, `token`, `login` */
  policy: string;
  key: string;
  points: number;
  cost: number;
}

export interface RateLimitOutcome {
  headers: Record<string, string>;
}

export interface RateLimits {
  consume(checks: readonly RateCheck[]): Promise<RateLimitOutcome>;
  /** 'not_configured' without Redis; 'failed' while the last Redis call failed. */
  storeState(): 'ok' | 'failed' | 'not_configured';
}

export function createRateLimits(options: {
  redis: Redis | undefined;
  keyPrefix: string;
  windowS: number;
  processCount: number;
  clock: Clock;
  onReject?: (policy: string) => void;
  onFallback?: () => void;
}): RateLimits {
  const limiters = new Map<string, { shared?: RateLimiterRedis; local: RateLimiterMemory }>();
  let redisFailing = false;
  // A reconnect is a recovery even before the next request proves it.
  options.redis?.on('ready', () => {
    redisFailing = false;
  });

  function limiterFor(policy: string, points: number) {
    const id = `${policy}:${points}`;
    let pair = limiters.get(id);
    if (!pair) {
      const keyPrefix = `${options.keyPrefix}rl:${id}`;
      pair = {
        ...(options.redis
          ? { shared: new RateLimiterRedis({ storeClient: options.redis, points, duration: options.windowS, keyPrefix, rejectIfRedisNotReady: true }) }
          : {}),
        local: new RateLimiterMemory({
          points: options.redis ? Math.max(1, Math.floor(points / options.processCount)) : points,
          duration: options.windowS,
          keyPrefix,
        }),
      };
      limiters.set(id, pair);
    }
    return pair;
  }

  interface Counted { check: RateCheck; res: RateLimiterRes; allowed: boolean; limit: number; limiter: RateLimiterRedis | RateLimiterMemory; cost: number }

  async function consumeOne(check: RateCheck): Promise<Counted> {
    const pair = limiterFor(check.policy, check.points);
    const cost = Math.max(1, Math.ceil(check.cost));
    if (pair.shared) {
      try {
        const res = await pair.shared.consume(check.key, cost);
        redisFailing = false;
        return { check, res, allowed: true, limit: check.points, limiter: pair.shared, cost };
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          redisFailing = false;
          return { check, res: err, allowed: false, limit: check.points, limiter: pair.shared, cost };
        }
        if (!redisFailing) options.onFallback?.();
        redisFailing = true;
      }
    }
    try {
      const res = await pair.local.consume(check.key, cost);
      return { check, res, allowed: true, limit: pair.local.points, limiter: pair.local, cost };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { check, res: err, allowed: false, limit: pair.local.points, limiter: pair.local, cost };
      throw err;
    }
  }

  return {
    async consume(checks) {
      if (checks.length === 0) return { headers: {} };
      const results = await Promise.all(checks.map(consumeOne));
      const policy = results.map((r) => `"${r.check.policy}";q=${r.limit};w=${options.windowS}`).join(', ');
      const state = results.map((r) => `"${r.check.policy}";r=${r.res.remainingPoints};t=${Math.ceil(r.res.msBeforeNext / 1000)}`).join(', ');
      const headers = { 'ratelimit-policy': policy, ratelimit: state };
      const rejected = results.filter((r) => !r.allowed);
      if (rejected.length > 0) {
        const retryAfter = Math.max(1, ...rejected.map((r) => Math.ceil(r.res.msBeforeNext / 1000)));
        for (const r of rejected) options.onReject?.(r.check.policy);
        // A refused request costs nothing: otherwise one principal hammering a full limit would
        // keep its whole organization's aggregate exhausted.
        await Promise.all(results.map((r) => r.limiter.reward(r.check.key, r.cost).catch(() => undefined)));
        throw new AppError('rate_limited', `Too many requests (${rejected.map((r) => r.check.policy).join(', ')} limit); retry in ${retryAfter} s.`, {
          headers: { ...headers, 'retry-after': String(retryAfter) },
        });
      }
      return { headers };
    },
    storeState() {
      if (!options.redis) return 'not_configured';
      return redisFailing || options.redis.status !== 'ready' ? 'failed' : 'ok';
    },
  };
}
