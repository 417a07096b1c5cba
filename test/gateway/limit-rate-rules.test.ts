import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimits, rateCheck, type RateCheck, type RateLimits } from '../../src/gateway/limit-rate.js';
import { fixedClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { createRedis, type Redis } from '../../src/shared/redis.js';

// limit-rate.ts in-process: the memory limiter it uses without Redis, and the same limiter as the
// fallback it uses while Redis is away (a real client, closed before it ever connected: every
// command fails at once, no connection is attempted). rate-limiter-flexible reads Date.now(), so
// Date alone is faked (vi.setSystemTime) and moved by the test. The Redis lease itself is covered
// by test/gateway/rate-lease.test.ts against a real Redis.

const start = Date.parse('2026-12-02T10:00:00Z');

type Answer = { admitted: true; headers: Record<string, string> } | { admitted: false; status: number; code: string; message: string; headers: Record<string, string> };

async function answer(limits: RateLimits, checks: RateCheck[]): Promise<Answer> {
  try {
    const { headers } = await limits.consume(checks);
    return { admitted: true, headers };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { admitted: false, status: err.status, code: err.code, message: err.message, headers: err.headers };
  }
}

const at = (ms: number) => vi.setSystemTime(start + ms);

describe('rate limits counted in memory', () => {
  let rejected: string[];
  let limits: RateLimits;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    rejected = [];
    limits = createRateLimits({ redis: undefined, keyPrefix: 'test:', windowS: 60, processCount: 4, clock: fixedClock(start), onReject: (policy) => void rejected.push(policy) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('names a counter policy:points:key', () => {
    expect(rateCheck('principal', 'user:u1:app', 120, 2)).toEqual({ policy: 'principal', key: 'user:u1:app', points: 120, cost: 2, id: 'principal:120:user:u1:app' });
  });

  it('answers no checks at once with no headers, and says no store is configured', () => {
    expect(limits.consume([])).toEqual({ headers: {} });
    expect(limits.storeState()).toBe('not_configured');
  });

  it('admits exactly the budget in a window, refuses the next with 429 and the seconds left, and opens the next window on time', async () => {
    const check = rateCheck('principal', 'user:u1:app', 3, 1);
    const policy = '"principal";q=3;w=60';
    const steps: Array<[number, Answer]> = [
      [0, { admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=2;t=60' } }],
      [600, { admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=1;t=60' } }],
      [1_200, { admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=0;t=59' } }],
      [1_200, { admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal limit); retry in 59 s.', headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=0;t=59', 'retry-after': '59' } }],
      [57_501, { admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal limit); retry in 3 s.', headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=0;t=3', 'retry-after': '3' } }],
      [59_999, { admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal limit); retry in 1 s.', headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=0;t=1', 'retry-after': '1' } }],
      [60_000, { admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=2;t=60' } }],
    ];
    for (const [ms, expected] of steps) {
      at(ms);
      expect([ms, await answer(limits, [check])]).toEqual([ms, expected]);
    }
    expect(rejected).toEqual(['principal', 'principal', 'principal']);
  });

  it('counts a cost as whole points, at least one', async () => {
    const costs: Array<[number, string]> = [
      [0, '"principal";r=9;t=60'],
      [0.2, '"principal";r=9;t=60'],
      [1, '"principal";r=9;t=60'],
      [2.5, '"principal";r=7;t=60'],
      [3, '"principal";r=7;t=60'],
      [-4, '"principal";r=9;t=60'],
    ];
    for (const [cost, state] of costs) {
      const result = await answer(limits, [rateCheck('principal', `cost ${cost}`, 10, cost)]);
      expect([cost, result]).toEqual([cost, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=10;w=60', ratelimit: state } }]);
    }
  });

  it('refuses a cost larger than what is left, and takes nothing for it', async () => {
    const key = 'user:u2:app';
    expect((await answer(limits, [rateCheck('principal', key, 5, 3)])).headers.ratelimit).toBe('"principal";r=2;t=60');
    expect(await answer(limits, [rateCheck('principal', key, 5, 3)])).toMatchObject({ admitted: false, headers: { ratelimit: '"principal";r=0;t=60' } });
    expect((await answer(limits, [rateCheck('principal', key, 5, 2)])).headers.ratelimit).toBe('"principal";r=0;t=60');
  });

  it('gives back the points of every check when one refuses, so one principal cannot drain its organization', async () => {
    const principal = rateCheck('principal', 'user:u3:app', 2, 1);
    const organization = rateCheck('organization', 'org:o3', 5, 1);
    const policy = '"principal";q=2;w=60, "organization";q=5;w=60';
    expect(await answer(limits, [principal, organization])).toEqual({ admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=1;t=60, "organization";r=4;t=60' } });
    expect(await answer(limits, [principal, organization])).toEqual({ admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=0;t=60, "organization";r=3;t=60' } });
    for (let i = 0; i < 3; i++) {
      expect(await answer(limits, [principal, organization])).toEqual({
        admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal limit); retry in 60 s.',
        headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=0;t=60, "organization";r=2;t=60', 'retry-after': '60' },
      });
    }
    expect(rejected).toEqual(['principal', 'principal', 'principal']);
    // Two points spent by the two admitted requests: three left, and another member spends one.
    expect(await answer(limits, [rateCheck('principal', 'user:u4:app', 2, 1), organization])).toEqual({
      admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=1;t=60, "organization";r=2;t=60' },
    });
  });

  it('names every limit that refused, and asks to wait for the last of them', async () => {
    const principal = rateCheck('principal', 'user:u5:app', 1, 1);
    const organization = rateCheck('organization', 'org:o5', 2, 1);
    await answer(limits, [organization]);
    at(30_000);
    expect((await answer(limits, [principal, organization])).headers.ratelimit).toBe('"principal";r=0;t=60, "organization";r=0;t=30');
    at(31_000);
    expect(await answer(limits, [principal, organization])).toEqual({
      admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal, organization limit); retry in 59 s.',
      headers: { 'ratelimit-policy': '"principal";q=1;w=60, "organization";q=2;w=60', ratelimit: '"principal";r=0;t=59, "organization";r=0;t=29', 'retry-after': '59' },
    });
    expect(await answer(limits, [organization, principal])).toEqual({
      admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (organization, principal limit); retry in 59 s.',
      headers: { 'ratelimit-policy': '"organization";q=2;w=60, "principal";q=1;w=60', ratelimit: '"organization";r=0;t=29, "principal";r=0;t=59', 'retry-after': '59' },
    });
    expect(rejected).toEqual(['principal', 'organization', 'organization', 'principal']);
  });

  it('keeps one budget per policy, limit and key: another organization, another caller, another limit count apart', async () => {
    const checks: Array<[RateCheck, string]> = [
      [rateCheck('organization', 'org:a', 2, 1), '"organization";r=1;t=60'],
      [rateCheck('organization', 'org:b', 2, 1), '"organization";r=1;t=60'],
      [rateCheck('organization', 'org:a', 3, 1), '"organization";r=2;t=60'],
      [rateCheck('principal', 'org:a', 2, 1), '"principal";r=1;t=60'],
      [rateCheck('organization', 'org:a', 2, 1), '"organization";r=0;t=60'],
    ];
    for (const [check, state] of checks) expect([check.id, (await answer(limits, [check])).headers.ratelimit]).toEqual([check.id, state]);
    expect(await answer(limits, [rateCheck('organization', 'org:a', 2, 1)])).toMatchObject({ admitted: false });
    expect(await answer(limits, [rateCheck('organization', 'org:b', 2, 1)])).toMatchObject({ admitted: true });
  });

  it('does not let many distinct callers push each other out: each keeps its own count', async () => {
    const callers = Array.from({ length: 2_000 }, (_, i) => rateCheck('ip', `ip:10.0.${Math.floor(i / 256)}.${i % 256}`, 1, 1));
    for (const check of callers) expect(await answer(limits, [check])).toMatchObject({ admitted: true });
    for (const check of [callers[0]!, callers[999]!, callers[1_999]!]) expect(await answer(limits, [check])).toMatchObject({ admitted: false });
  });

  it('writes the policy header for the policies and limits of each request', async () => {
    const sequence: Array<[RateCheck[], string]> = [
      [[rateCheck('principal', 'k', 3, 1)], '"principal";q=3;w=60'],
      [[rateCheck('principal', 'k', 4, 1)], '"principal";q=4;w=60'],
      [[rateCheck('organization', 'k', 3, 1)], '"organization";q=3;w=60'],
      [[rateCheck('principal', 'k', 3, 1), rateCheck('organization', 'k', 3, 1)], '"principal";q=3;w=60, "organization";q=3;w=60'],
      [[rateCheck('organization', 'k', 3, 1), rateCheck('principal', 'k', 3, 1)], '"organization";q=3;w=60, "principal";q=3;w=60'],
      [[rateCheck('principal', 'k', 33, 1)], '"principal";q=33;w=60'],
      [[rateCheck('principal', 'k', 3, 1)], '"principal";q=3;w=60'],
    ];
    for (const [checks, policy] of sequence) expect((await answer(limits, checks)).headers['ratelimit-policy']).toBe(policy);
  });
});

describe('rate limits while Redis is away', () => {
  let fallbacks: number;
  let redis: Redis;
  let limits: RateLimits;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    fallbacks = 0;
    redis = createRedis('redis://127.0.0.1:1', { commandTimeoutMs: 100, name: 'limit-rate-rules' });
    redis.disconnect();
    limits = createRateLimits({ redis, keyPrefix: 'test:', windowS: 60, processCount: 3, clock: fixedClock(start), onFallback: () => void (fallbacks += 1) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is failed from the start, and counts each process for its share of the limit', async () => {
    expect([redis.status, limits.storeState()]).toEqual(['end', 'failed']);
    const shares: Array<[number, number]> = [[10, 3], [9, 3], [8, 2], [3, 1], [2, 1], [1, 1]];
    for (const [points, share] of shares) {
      const check = rateCheck('principal', `user:share${points}:app`, points, 1);
      let admitted = 0;
      for (let i = 0; i < points + 1; i++) if ((await answer(limits, [check])).admitted) admitted += 1;
      expect([points, admitted, (await answer(limits, [check])).headers['ratelimit-policy']]).toEqual([points, share, `"principal";q=${share};w=60`]);
    }
    expect(limits.storeState()).toBe('failed');
  });

  it('reports the fall back once per outage, and again after a reconnect', async () => {
    const check = rateCheck('principal', 'user:u6:app', 30, 1);
    expect(fallbacks).toBe(0);
    expect(await answer(limits, [check])).toEqual({ admitted: true, headers: { 'ratelimit-policy': '"principal";q=10;w=60', ratelimit: '"principal";r=9;t=60' } });
    await answer(limits, [check]);
    await answer(limits, [rateCheck('organization', 'org:o6', 30, 1)]);
    expect(fallbacks).toBe(1);
    // The client's own event on reconnecting; it drops straight again (status stays `end`).
    redis.emit('ready');
    expect(await answer(limits, [check])).toEqual({ admitted: true, headers: { 'ratelimit-policy': '"principal";q=10;w=60', ratelimit: '"principal";r=7;t=60' } });
    expect([fallbacks, limits.storeState()]).toEqual([2, 'failed']);
  });

  it('needs no fallback listener', async () => {
    const quiet = createRateLimits({ redis, keyPrefix: 'test:', windowS: 60, processCount: 3, clock: fixedClock(start) });
    expect(await answer(quiet, [rateCheck('principal', 'user:u8:app', 30, 1)])).toMatchObject({ admitted: true, headers: { ratelimit: '"principal";r=9;t=60' } });
    expect(quiet.storeState()).toBe('failed');
  });

  it('refuses at the share of the limit and gives back what the other checks took', async () => {
    const principal = rateCheck('principal', 'user:u7:app', 3, 1);
    const organization = rateCheck('organization', 'org:o7', 30, 1);
    expect(await answer(limits, [principal, organization])).toMatchObject({ admitted: true, headers: { ratelimit: '"principal";r=0;t=60, "organization";r=9;t=60' } });
    expect(await answer(limits, [principal, organization])).toEqual({
      admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal limit); retry in 60 s.',
      headers: { 'ratelimit-policy': '"principal";q=1;w=60, "organization";q=10;w=60', ratelimit: '"principal";r=0;t=60, "organization";r=8;t=60', 'retry-after': '60' },
    });
    expect((await answer(limits, [organization])).headers.ratelimit).toBe('"organization";r=8;t=60');
  });
});
