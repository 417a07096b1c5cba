import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from '../shared/redis.js';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';

/**
 * Rate limits (issue 5 "Rate limits"). Without Redis each process counts alone
 * (rate-limiter-flexible's memory limiter). With Redis every gateway process shares one atomic
 * fixed-window counter per key, leased in blocks: a process reserves a block of points with one
 * Lua call (check + INCRBY + expiry, atomic) and spends it locally, so most requests touch no
 * Redis. A block never takes the counter past the limit (it is shrunk to what remains), so the
 * cluster never admits more than the limit; a process's unspent block is unavailable to the others
 * until the window ends, so a caller spreading over processes may be refused up to one block per
 * process early. The block is RATE_LIMIT_LEASE_PERCENT of the limit, at least 1: small limits
 * (under 40 points at 5 %) count every request in Redis, exactly as before.
 * When Redis fails (down, or slower than the command timeout) a request is counted by a
 * per-process memory limiter holding limit ÷ process count, so the cluster-wide limit roughly
 * holds, no request waits on a dead Redis, and the next successful call switches back.
 * Responses carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers); with
 * Redis, `r` is the limit minus the cluster's counter plus this process's unspent lease.
 */
export interface RateCheck {
  /** Policy name shown in the headers: `principal`, `organization`, `ip`, `token`, `login` */
  readonly policy: string;
  readonly key: string;
  readonly points: number;
  readonly cost: number;
  /** `policy:points:key`: the counter's name, made once with the check (see rateCheck). */
  readonly id: string;
}

export function rateCheck(policy: string, key: string, points: number, cost: number): RateCheck {
  return { policy, key, points, cost, id: `${policy}:${points}:${key}` };
}

export interface RateLimitOutcome {
  headers: Record<string, string>;
}

export interface RateLimits {
  /** Synchronous (no promise) when every check is answered from memory or a local lease. */
  consume(checks: readonly RateCheck[]): RateLimitOutcome | Promise<RateLimitOutcome>;
  /** 'not_configured' without Redis; 'failed' while the last Redis call failed. */
  storeState(): 'ok' | 'failed' | 'not_configured';
}

/** One key's lease in the current window: points reserved in Redis and not yet spent here. */
interface Lease {
  local: number;
  /** The Redis counter after this process's last reservation (all processes' reservations). */
  counter: number;
  /** Window end, ms since the epoch (from the key's PTTL at the last reservation). */
  endsAt: number;
  pending: Promise<void> | undefined;
}

interface Counted {
  check: RateCheck;
  allowed: boolean;
  limit: number;
  remaining: number;
  msBeforeNext: number;
  cost: number;
  /** Where the points came from, to give them back when another check refuses the request. */
  lease: Lease | undefined;
  memory: RateLimiterMemory | undefined;
}

// KEYS[1] counter; ARGV need, want, limit, window ms. Returns {counter, granted, pttl}.
const RESERVE = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local need = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
if cur + need > limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = tonumber(ARGV[4]) end
  return {cur, 0, ttl}
end
local grant = math.min(tonumber(ARGV[2]), limit - cur)
local total = redis.call('INCRBY', KEYS[1], grant)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  ttl = tonumber(ARGV[4])
end
return {total, grant, ttl}
`;

type LeaseRedis = Redis & { gatehouseReserve(key: string, need: number, want: number, limit: number, windowMs: number): Promise<[number, number, number]> };

const MAX_LEASES = 100_000;

export function createRateLimits(options: {
  redis: Redis | undefined;
  keyPrefix: string;
  windowS: number;
  processCount: number;
  clock: Clock;
  /** Block leased from Redis, in percent of the limit (at least 1 point); 0: every request goes to Redis. */
  leasePercent?: number;
  onReject?: (policy: string) => void;
  onFallback?: () => void;
}): RateLimits {
  const windowMs = options.windowS * 1000;
  const leasePercent = options.leasePercent ?? 5;
  const locals = new Map<string, RateLimiterMemory>();
  const leases = new Map<string, Lease>();
  const policyHeaders = new Map<string, string>();
  const redis = options.redis as LeaseRedis | undefined;
  if (redis && typeof redis.gatehouseReserve !== 'function') redis.defineCommand('gatehouseReserve', { numberOfKeys: 1, lua: RESERVE });
  let redisFailing = false;
  // A reconnect is a recovery even before the next request proves it.
  options.redis?.on('ready', () => {
    redisFailing = false;
  });

  function localLimiter(policy: string, points: number): RateLimiterMemory {
    const id = `${policy}:${points}`;
    let limiter = locals.get(id);
    if (!limiter) {
      limiter = new RateLimiterMemory({
        points: options.redis ? Math.max(1, Math.floor(points / options.processCount)) : points,
        duration: options.windowS,
        keyPrefix: `${options.keyPrefix}rl:${id}`,
      });
      locals.set(id, limiter);
    }
    return limiter;
  }

  function memoryConsume(check: RateCheck, cost: number): Counted | Promise<Counted> {
    const limiter = localLimiter(check.policy, check.points);
    const done = (res: RateLimiterRes, allowed: boolean): Counted => ({
      check, allowed, limit: limiter.points, remaining: res.remainingPoints, msBeforeNext: res.msBeforeNext, cost, lease: undefined, memory: limiter,
    });
    return limiter.consume(check.key, cost).then(
      (res) => done(res, true),
      (err: unknown) => {
        if (err instanceof RateLimiterRes) return done(err, false);
        throw err;
      },
    );
  }

  function leaseFor(id: string, now: number): Lease {
    let lease = leases.get(id);
    if (lease && lease.endsAt <= now && !lease.pending) {
      leases.delete(id);
      lease = undefined;
    }
    if (!lease) {
      // Bounded: the oldest lease goes (its unspent points are lost, which only admits fewer).
      if (leases.size >= MAX_LEASES) leases.delete(leases.keys().next().value!);
      lease = { local: 0, counter: 0, endsAt: 0, pending: undefined };
      leases.set(id, lease);
    }
    return lease;
  }

  function takeLocal(check: RateCheck, lease: Lease, cost: number, now: number): Counted {
    lease.local -= cost;
    return {
      check, allowed: true, limit: check.points, remaining: Math.max(0, check.points - lease.counter + lease.local),
      msBeforeNext: lease.endsAt - now, cost, lease, memory: undefined,
    };
  }

  async function reserve(check: RateCheck, id: string, lease: Lease, cost: number): Promise<Counted> {
    // Concurrent requests of one key share one reservation, then spend from it.
    for (let tries = 0; tries < 3 && lease.pending; tries++) {
      await lease.pending;
      const now = options.clock.now();
      if (lease.endsAt > now && lease.local >= cost) return takeLocal(check, lease, cost, now);
    }
    const need = cost - (lease.endsAt > options.clock.now() ? Math.max(0, lease.local) : 0);
    const block = Math.max(1, Math.floor((check.points * leasePercent) / 100));
    let result: [number, number, number];
    const request = redis!.gatehouseReserve(`${options.keyPrefix}rl:${id}`, need, Math.max(need, block), check.points, windowMs);
    lease.pending = request.then(() => undefined, () => undefined);
    try {
      result = await request;
    } finally {
      lease.pending = undefined;
    }
    const [counter, granted, ttl] = result.map(Number) as [number, number, number];
    const now = options.clock.now();
    if (lease.endsAt <= now) lease.local = 0; // the window turned: last window's unspent points are gone
    lease.counter = counter;
    lease.endsAt = now + ttl;
    lease.local += granted;
    if (lease.local >= cost) return takeLocal(check, lease, cost, now);
    return {
      check, allowed: false, limit: check.points, remaining: Math.max(0, check.points - counter + lease.local), msBeforeNext: ttl, cost, lease: undefined, memory: undefined,
    };
  }

  function consumeOne(check: RateCheck): Counted | Promise<Counted> {
    const cost = Math.max(1, Math.ceil(check.cost));
    if (!redis) return memoryConsume(check, cost);
    const id = check.id;
    const now = options.clock.now();
    const lease = leaseFor(id, now);
    if (lease.endsAt > now && lease.local >= cost && !lease.pending) return takeLocal(check, lease, cost, now);
    if (redis.status !== 'ready' && !lease.pending) return fallback(check, cost);
    return reserve(check, id, lease, cost).then(
      (counted) => {
        redisFailing = false;
        return counted;
      },
      () => fallback(check, cost),
    );
  }

  function fallback(check: RateCheck, cost: number): Counted | Promise<Counted> {
    if (!redisFailing) options.onFallback?.();
    redisFailing = true;
    return memoryConsume(check, cost);
  }

  function policyHeader(results: readonly Counted[]): string {
    let id = '';
    for (const r of results) id += `${r.check.policy}\0${r.limit}\0`;
    let header = policyHeaders.get(id);
    if (header === undefined) {
      header = results.map((r) => `"${r.check.policy}";q=${r.limit};w=${options.windowS}`).join(', ');
      if (policyHeaders.size < 1_000) policyHeaders.set(id, header);
    }
    return header;
  }

  function outcome(results: readonly Counted[]): RateLimitOutcome | Promise<RateLimitOutcome> {
    let state = '';
    let refused = false;
    for (const r of results) {
      if (state !== '') state += ', ';
      state += `"${r.check.policy}";r=${r.remaining};t=${Math.ceil(r.msBeforeNext / 1000)}`;
      if (!r.allowed) refused = true;
    }
    const headers = { 'ratelimit-policy': policyHeader(results), ratelimit: state };
    if (!refused) return { headers };
    const rejected = results.filter((r) => !r.allowed);
    const retryAfter = Math.max(1, ...rejected.map((r) => Math.ceil(r.msBeforeNext / 1000)));
    for (const r of rejected) options.onReject?.(r.check.policy);
    // A refused request costs nothing: otherwise one principal hammering a full limit would
    // keep its whole organization's aggregate exhausted.
    const refunds: Array<Promise<unknown>> = [];
    // (The memory limiter counted the refused check too; a lease took nothing for it.)
    const now = options.clock.now();
    for (const r of results) {
      if (r.memory) refunds.push(r.memory.reward(r.check.key, r.cost).catch(() => undefined));
      else if (r.lease && r.allowed && r.lease.endsAt > now) r.lease.local += r.cost;
    }
    const error = new AppError('rate_limited', `Too many requests (${rejected.map((r) => r.check.policy).join(', ')} limit); retry in ${retryAfter} s.`, {
      headers: { ...headers, 'retry-after': String(retryAfter) },
    });
    if (refunds.length > 0) return Promise.all(refunds).then(() => Promise.reject(error));
    throw error;
  }

  return {
    consume(checks) {
      if (checks.length === 0) return { headers: {} };
      const results: Array<Counted | Promise<Counted>> = [];
      let async = false;
      for (const check of checks) {
        const counted = consumeOne(check);
        if (counted instanceof Promise) async = true;
        results.push(counted);
      }
      if (!async) return outcome(results as Counted[]);
      return Promise.all(results).then(outcome);
    },
    storeState() {
      if (!options.redis) return 'not_configured';
      return redisFailing || options.redis.status !== 'ready' ? 'failed' : 'ok';
    },
  };
}
