import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimits, rateCheck, type RateCheck, type RateLimits } from '../../src/gateway/limit-rate.js';
import { fixedClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import type { Redis } from '../../src/shared/redis.js';

// The lease bookkeeping of limit-rate.ts in-process. No Redis: the one command the module sends
// (its RESERVE script, defined through `defineCommand`) is answered by a stand-in that follows the
// script's contract step by step (GET, the limit check, INCRBY of the grant, PTTL, PEXPIRE) on the
// test's clock, and that the test can hold, fail or mark not ready. Whether the Lua script itself
// does that is test/gateway/rate-lease.test.ts's question, against a real Redis. Date is faked too
// (vi.setSystemTime) for the memory limiter the module falls back to.
// The expected numbers are worked out by hand in the comments, never computed here.

const start = Date.parse('2026-12-02T10:00:00Z');
const window = 60_000;

type Reply = [number, number, number];

/** The stand-in: KEYS[1] counter; ARGV need, want, limit, window ms → {counter, granted, pttl}. */
function reserveStandIn(clock: { now(): number }) {
  const counters = new Map<string, { value: number; expiresAt: number | undefined }>();
  const calls: Array<[string, number, number, number, number]> = [];
  const defined: Array<[string, number, string]> = [];
  const readyHandlers: Array<() => void> = [];
  const state = { failing: false, held: undefined as Array<{ answer(): void; fail(): void }> | undefined };

  function script(key: string, need: number, want: number, limit: number, windowMs: number): Reply {
    const now = clock.now();
    const live = () => {
      const entry = counters.get(key);
      return entry && (entry.expiresAt === undefined || entry.expiresAt > now) ? entry : undefined;
    };
    const pttl = () => {
      const entry = live();
      return entry === undefined ? -2 : entry.expiresAt === undefined ? -1 : entry.expiresAt - now;
    };
    const cur = live()?.value ?? 0;
    if (cur + need > limit) {
      const ttl = pttl();
      return [cur, 0, ttl < 0 ? windowMs : ttl];
    }
    const grant = Math.min(want, limit - cur);
    const entry = live() ?? { value: 0, expiresAt: undefined };
    entry.value += grant;
    counters.set(key, entry);
    let ttl = pttl();
    if (ttl < 0) {
      entry.expiresAt = now + windowMs;
      ttl = windowMs;
    }
    return [entry.value, grant, ttl];
  }

  function gatehouseReserve(key: string, need: number, want: number, limit: number, windowMs: number): Promise<Reply> {
    calls.push([key, need, want, limit, windowMs]);
    if (state.failing) return Promise.reject(new Error('Command timed out'));
    const held = state.held;
    if (held) {
      return new Promise((resolve, reject) => held.push({ answer: () => resolve(script(key, need, want, limit, windowMs)), fail: () => reject(new Error('Command timed out')) }));
    }
    return Promise.resolve(script(key, need, want, limit, windowMs));
  }

  const client: Record<string, unknown> = {
    status: 'ready',
    on(event: string, handler: () => void) {
      if (event === 'ready') readyHandlers.push(handler);
      return client;
    },
    defineCommand(name: string, definition: { numberOfKeys: number; lua: string }) {
      defined.push([name, definition.numberOfKeys, definition.lua]);
      client[name] = gatehouseReserve;
    },
  };
  return {
    redis: client as unknown as Redis, // only status, on, defineCommand and the defined command are used
    counters, calls, defined, state,
    setStatus(status: string) {
      client.status = status;
    },
    ready() {
      client.status = 'ready';
      for (const handler of readyHandlers) handler();
    },
    hold() {
      state.held = [];
    },
    release() {
      const held = state.held ?? [];
      state.held = undefined;
      for (const call of held) call.answer();
    },
    /** Answers the calls held so far and holds the next ones. */
    answerHeld() {
      for (const call of (state.held ?? []).splice(0)) call.answer();
    },
    failHeld() {
      const held = state.held ?? [];
      state.held = undefined;
      for (const call of held) call.fail();
    },
  };
}

type Answer = { admitted: true; headers: Record<string, string> } | { admitted: false; status: number; code: string; message: string; headers: Record<string, string> };

function settle(result: ReturnType<RateLimits['consume']>): Promise<Answer> {
  return Promise.resolve(result).then(
    ({ headers }) => ({ admitted: true, headers }) as const,
    (err: unknown) => {
      if (!(err instanceof AppError)) throw err;
      return { admitted: false, status: err.status, code: err.code, message: err.message, headers: err.headers } as const;
    },
  );
}

describe('rate limits leased in blocks', () => {
  let clock: ReturnType<typeof fixedClock>;
  let store: ReturnType<typeof reserveStandIn>;
  let fallbacks: number;
  let rejected: string[];

  const at = (ms: number) => {
    clock.set(start + ms);
    vi.setSystemTime(start + ms);
  };
  const limiter = (leasePercent: number | undefined, processCount = 2): RateLimits => createRateLimits({
    redis: store.redis, keyPrefix: 'gh:', windowS: 60, processCount, clock,
    ...(leasePercent === undefined ? {} : { leasePercent }),
    onFallback: () => void (fallbacks += 1),
    onReject: (policy) => void rejected.push(policy),
  });
  /** consume(), and whether it answered without a promise. */
  async function consume(limits: RateLimits, checks: RateCheck[]): Promise<[boolean, Answer]> {
    let result: ReturnType<RateLimits['consume']>;
    try {
      result = limits.consume(checks);
    } catch (err) {
      return [true, await settle(Promise.reject(err))];
    }
    return [!(result instanceof Promise), await settle(result)];
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    clock = fixedClock(start);
    at(0);
    store = reserveStandIn(clock);
    fallbacks = 0;
    rejected = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('defines its script once per client', () => {
    limiter(10);
    limiter(5);
    expect(store.defined.map(([name, keys]) => [name, keys])).toEqual([['gatehouseReserve', 1]]);
    const lua = store.defined[0]![2];
    for (const step of ["redis.call('GET', KEYS[1])", 'if cur + need > limit then', "redis.call('INCRBY', KEYS[1], grant)", "redis.call('PEXPIRE', KEYS[1], ARGV[4])", 'return {total, grant, ttl}']) {
      expect(lua).toContain(step);
    }
  });

  it('reserves a block, spends it here without a call and without a promise, then reserves the next', async () => {
    const limits = limiter(10);
    const check = rateCheck('principal', 'user:u1:app', 100, 1);
    const policy = '"principal";q=100;w=60';
    // [ms, answered without a promise, RateLimit, calls so far]. Block 10 % of 100 = 10 points;
    // r = limit − counter + unspent; t = ⌈(window end − now) / 1000⌉.
    const steps: Array<[number, boolean, string, number]> = [
      [0, false, '"principal";r=99;t=60', 1], // counter 10, 9 unspent
      [1_000, true, '"principal";r=98;t=59', 1],
      [1_000, true, '"principal";r=97;t=59', 1],
      [1_000, true, '"principal";r=96;t=59', 1],
      [1_000, true, '"principal";r=95;t=59', 1],
      [1_000, true, '"principal";r=94;t=59', 1],
      [1_000, true, '"principal";r=93;t=59', 1],
      [1_000, true, '"principal";r=92;t=59', 1],
      [1_000, true, '"principal";r=91;t=59', 1],
      [59_500, true, '"principal";r=90;t=1', 1], // the last unspent point
      [59_500, false, '"principal";r=89;t=1', 2], // counter 20, 9 unspent, the window as Redis says (pttl 500)
    ];
    for (const [ms, sync, state, calls] of steps) {
      at(ms);
      expect([ms, await consume(limits, [check]), store.calls.length]).toEqual([ms, [sync, { admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: state } }], calls]);
    }
    expect(store.calls).toEqual([
      ['gh:rl:principal:100:user:u1:app', 1, 10, 100, window],
      ['gh:rl:principal:100:user:u1:app', 1, 10, 100, window],
    ]);
    expect([limits.storeState(), fallbacks]).toEqual(['ok', 0]);
  });

  const blocks: Array<[string, number, number | undefined, number, number, number]> = [
    // [case, limit, lease percent, cost, need, want]
    ['5 % by default', 100, undefined, 1, 1, 5],
    ['5 % of 39 is under 2: one point', 39, undefined, 1, 1, 1],
    ['5 % of 40: two points', 40, undefined, 1, 1, 2],
    ['5 % of 19 is under 1: at least one point', 19, undefined, 1, 1, 1],
    ['0 %: one point, every request counted in Redis', 100, 0, 1, 1, 1],
    ['33 % of 1000', 1000, 33, 1, 1, 330],
    ['a cost above the block: the cost', 100, 10, 30, 30, 30],
    ['a fractional cost: one whole point', 100, 10, 0.5, 1, 10],
    ['a cost of 2.1: three points', 100, 10, 2.1, 3, 10],
  ];
  it.each(blocks)('reserves blocks: %s', async (_case, limit, leasePercent, cost, need, want) => {
    await consume(limiter(leasePercent), [rateCheck('principal', 'k', limit, cost)]);
    expect(store.calls).toEqual([[`gh:rl:principal:${limit}:k`, need, want, limit, window]]);
  });

  it('admits exactly the limit between two processes, refuses on the unspent point, and gives back the other check', async () => {
    const a = limiter(40);
    const b = limiter(40);
    const principal = rateCheck('principal', 'user:u2:c', 10, 3);
    const organization = rateCheck('organization', 'org:o2', 1_000, 3);
    const policy = '"principal";q=10;w=60, "organization";q=1000;w=60';
    const admitted = (state: string) => [false, { admitted: true, headers: { 'ratelimit-policy': policy, ratelimit: state } }];
    // Blocks: 40 % of 10 = 4 points, 40 % of 1000 = 400.
    // a: principal counter 4, 1 unspent (r 10−4+1); organization counter 400, 397 unspent.
    expect(await consume(a, [principal, organization])).toEqual(admitted('"principal";r=7;t=60, "organization";r=997;t=60'));
    // b: principal counter 8, 1 unspent; organization counter 800, 397 unspent.
    expect(await consume(b, [principal, organization])).toEqual(admitted('"principal";r=3;t=60, "organization";r=597;t=60'));
    // a: needs 2 more, 2 are left: counter 10, nothing unspent; organization from its block.
    expect(await consume(a, [principal, organization])).toEqual(admitted('"principal";r=0;t=60, "organization";r=994;t=60'));
    // b: needs 2, none left: refused with its 1 unspent point; the 3 organization points come back.
    at(1_500);
    expect(await consume(b, [principal, organization])).toEqual([false, {
      admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal limit); retry in 59 s.',
      headers: { 'ratelimit-policy': policy, ratelimit: '"principal";r=1;t=59, "organization";r=594;t=59', 'retry-after': '59' },
    }]);
    expect(await consume(b, [{ ...organization, cost: 1 }])).toEqual([true, { admitted: true, headers: { 'ratelimit-policy': '"organization";q=1000;w=60', ratelimit: '"organization";r=596;t=59' } }]);
    expect(store.calls).toEqual([
      ['gh:rl:principal:10:user:u2:c', 3, 4, 10, window],
      ['gh:rl:organization:1000:org:o2', 3, 400, 1000, window],
      ['gh:rl:principal:10:user:u2:c', 3, 4, 10, window],
      ['gh:rl:organization:1000:org:o2', 3, 400, 1000, window],
      ['gh:rl:principal:10:user:u2:c', 2, 4, 10, window],
      ['gh:rl:principal:10:user:u2:c', 2, 4, 10, window],
    ]);
    expect([store.counters.get('gh:rl:principal:10:user:u2:c')?.value, store.counters.get('gh:rl:organization:1000:org:o2')?.value]).toEqual([10, 800]);
    expect(rejected).toEqual(['principal']);
  });

  it('refuses a request the counter cannot hold, taking nothing, until the window Redis reports ends', async () => {
    const limits = limiter(10);
    store.counters.set('gh:rl:principal:100:user:u3:app', { value: 95, expiresAt: start + 30_000 });
    // 95 + 6 > 100: refused, counter unchanged; r = 100 − 95 + 0, t from the counter's pttl.
    expect(await consume(limits, [rateCheck('principal', 'user:u3:app', 100, 6)])).toEqual([false, {
      admitted: false, status: 429, code: 'rate_limited', message: 'Too many requests (principal limit); retry in 30 s.',
      headers: { 'ratelimit-policy': '"principal";q=100;w=60', ratelimit: '"principal";r=5;t=30', 'retry-after': '30' },
    }]);
    // 95 + 5 fits: granted 5 (the block of 10 shrunk to what is left).
    expect(await consume(limits, [rateCheck('principal', 'user:u3:app', 100, 5)])).toEqual([false, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=100;w=60', ratelimit: '"principal";r=0;t=30' } }]);
    expect(store.counters.get('gh:rl:principal:100:user:u3:app')?.value).toBe(100);
    at(29_999);
    expect((await consume(limits, [rateCheck('principal', 'user:u3:app', 100, 1)]))[1]).toMatchObject({ admitted: false, headers: { 'retry-after': '1' } });
    at(30_000);
    expect(await consume(limits, [rateCheck('principal', 'user:u3:app', 100, 1)])).toEqual([false, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=100;w=60', ratelimit: '"principal";r=99;t=60' } }]);
  });

  it('forgets the unspent points when the window ends, to the millisecond', async () => {
    const limits = limiter(50);
    const check = rateCheck('principal', 'user:u4:app', 4, 1);
    const state = async () => {
      const [sync, result] = await consume(limits, [check]);
      return [sync, result.admitted ? result.headers.ratelimit : 'refused', store.calls.length];
    };
    // Block 2 points of 4.
    expect(await state()).toEqual([false, '"principal";r=3;t=60', 1]);
    at(59_999);
    expect(await state()).toEqual([true, '"principal";r=2;t=1', 1]);
    expect(await state()).toEqual([false, '"principal";r=1;t=1', 2]);
    at(60_000);
    // A new window: the unspent point is gone, the counter expired.
    expect(await state()).toEqual([false, '"principal";r=3;t=60', 3]);
    expect(store.calls.map(([, need, want]) => [need, want])).toEqual([[1, 2], [1, 2], [1, 2]]);
  });

  it('drops last window\'s unspent points when the window ended while the reservation was under way', async () => {
    const limits = limiter(50);
    expect((await consume(limits, [rateCheck('principal', 'user:u5:app', 4, 1)]))[1]).toMatchObject({ admitted: true, headers: { ratelimit: '"principal";r=3;t=60' } });
    // One point unspent; this request needs two: it asks for one more, and the window ends meanwhile.
    at(59_000);
    store.hold();
    const later = consume(limits, [rateCheck('principal', 'user:u5:app', 4, 2)]);
    at(60_000);
    store.release();
    // The new window's counter: 2 granted, both spent; the old unspent point is not added.
    expect(await later).toEqual([false, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=4;w=60', ratelimit: '"principal";r=2;t=60' } }]);
    expect(store.calls.map(([, need, want]) => [need, want])).toEqual([[1, 2], [1, 2]]);
    expect(await consume(limits, [rateCheck('principal', 'user:u5:app', 4, 1)])).toMatchObject([false, { admitted: true, headers: { ratelimit: '"principal";r=1;t=60' } }]);
  });

  it('does not spend a lease whose window ended while it waited for a reservation that failed', async () => {
    const limits = limiter(50);
    // Block 2 of 4: counter 2, one point unspent until 60 000.
    await consume(limits, [rateCheck('principal', 'user:u11:app', 4, 1)]);
    at(59_000);
    store.hold();
    const first = consume(limits, [rateCheck('principal', 'user:u11:app', 4, 2)]);
    at(60_000);
    const second = consume(limits, [rateCheck('principal', 'user:u11:app', 4, 1)]);
    store.failHeld();
    // The first falls back to memory (2 of 4 per process); the second, its window over, reserves anew.
    expect((await first)[1]).toMatchObject({ admitted: true, headers: { 'ratelimit-policy': '"principal";q=2;w=60', ratelimit: '"principal";r=0;t=60' } });
    expect((await second)[1]).toEqual({ admitted: true, headers: { 'ratelimit-policy': '"principal";q=4;w=60', ratelimit: '"principal";r=3;t=60' } });
    expect(store.calls.map(([, need, want]) => [need, want])).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect([fallbacks, limits.storeState()]).toEqual([1, 'ok']);
  });

  it('makes concurrent requests of one key share one reservation', async () => {
    const limits = limiter(10);
    const check = rateCheck('principal', 'user:u6:app', 100, 1);
    store.hold();
    const first = consume(limits, [check]);
    const second = consume(limits, [check]);
    // Not ready meanwhile: the second still waits for the reservation under way.
    store.setStatus('reconnecting');
    const third = consume(limits, [check]);
    store.setStatus('ready');
    // The last needs exactly what the block has left after the three: 10 − 3 = 7.
    const fourth = consume(limits, [{ ...check, cost: 7 }]);
    store.release();
    expect((await Promise.all([first, second, third, fourth])).map(([, result]) => result.admitted && result.headers.ratelimit)).toEqual([
      '"principal";r=99;t=60', '"principal";r=98;t=60', '"principal";r=97;t=60', '"principal";r=90;t=60',
    ]);
    expect([store.calls.length, fallbacks]).toEqual([1, 0]);
  });

  it('reserves again after waiting when the shared block is too small for it', async () => {
    const limits = limiter(10);
    store.hold();
    const small = consume(limits, [rateCheck('principal', 'user:u7:app', 100, 1)]);
    const large = consume(limits, [rateCheck('principal', 'user:u7:app', 100, 12)]);
    store.release();
    await small;
    await Promise.resolve();
    store.release();
    // small: counter 10, 9 unspent; large needs 12 − 9 = 3 more, asks for max(3, 10) = 10: counter 20, 19 − 12 = 7 unspent.
    expect((await large)[1]).toMatchObject({ admitted: true, headers: { ratelimit: '"principal";r=87;t=60' } });
    expect(store.calls.map(([, need, want]) => [need, want])).toEqual([[1, 10], [3, 10]]);
  });

  it('waits for at most three reservations of others, then reserves for itself', async () => {
    const limits = limiter(1);
    const check = (cost: number) => rateCheck('principal', 'user:u12:app', 1_000, cost);
    const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
    // Block 1 % of 1000 = 10. One request reserves; three of cost 20 and one of cost 50 wait for it.
    store.hold();
    const requests = [consume(limits, [check(1)]), consume(limits, [check(20)]), consume(limits, [check(20)]), consume(limits, [check(20)]), consume(limits, [check(50)])];
    await flush();
    const waves: Array<Array<[number, number]>> = [[[1, 10]]];
    // Each answer wakes the waiters; the first too short of points reserves, the others wait again.
    waves.push([[1, 10], [11, 11]], [[1, 10], [11, 11], [20, 20]], [[1, 10], [11, 11], [20, 20], [20, 20], [50, 50]]);
    expect(store.calls.map(([, need, want]) => [need, want])).toEqual(waves[0]);
    for (const expected of waves.slice(1)) {
      store.answerHeld();
      await flush();
      expect(store.calls.map(([, need, want]) => [need, want])).toEqual(expected);
    }
    store.release();
    expect((await Promise.all(requests)).map(([, result]) => result.admitted)).toEqual([true, true, true, true, true]);
  });

  it('falls back to its share of the limit in memory while Redis fails, says so once, and comes back with the next success', async () => {
    const limits = limiter(10, 2);
    const check = rateCheck('principal', 'user:u8:app', 100, 1);
    expect(limits.storeState()).toBe('ok');
    store.state.failing = true;
    // The memory limiter holds 100 ÷ 2 processes.
    expect(await consume(limits, [check])).toEqual([false, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=50;w=60', ratelimit: '"principal";r=49;t=60' } }]);
    expect(await consume(limits, [check])).toEqual([false, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=50;w=60', ratelimit: '"principal";r=48;t=60' } }]);
    expect([limits.storeState(), fallbacks, store.calls.length]).toEqual(['failed', 1, 2]);
    store.state.failing = false;
    expect(await consume(limits, [check])).toEqual([false, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=100;w=60', ratelimit: '"principal";r=99;t=60' } }]);
    expect([limits.storeState(), fallbacks]).toEqual(['ok', 1]);
    // Spent locally, then failing again: a second outage is reported.
    for (let i = 0; i < 9; i++) await consume(limits, [check]);
    store.state.failing = true;
    expect((await consume(limits, [check]))[1]).toMatchObject({ admitted: true, headers: { ratelimit: '"principal";r=47;t=60' } });
    expect([limits.storeState(), fallbacks]).toEqual(['failed', 2]);
  });

  it('counts in memory without a call while the client is not ready, and is ok again on its ready event', async () => {
    const limits = limiter(10, 4);
    store.setStatus('reconnecting');
    expect(limits.storeState()).toBe('failed');
    expect(await consume(limits, [rateCheck('principal', 'user:u9:app', 100, 1)])).toEqual([false, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=25;w=60', ratelimit: '"principal";r=24;t=60' } }]);
    expect([store.calls.length, fallbacks, limits.storeState()]).toEqual([0, 1, 'failed']);
    store.ready();
    expect([limits.storeState(), fallbacks]).toEqual(['ok', 1]);
  });

  it('gives back an admitted lease check only, when another check refuses', async () => {
    const limits = limiter(10);
    const principal = rateCheck('principal', 'user:u10:app', 100, 4);
    const organization = rateCheck('organization', 'org:o10', 100, 1);
    store.counters.set('gh:rl:organization:100:org:o10', { value: 100, expiresAt: start + 20_000 });
    expect((await consume(limits, [principal, organization]))[1]).toMatchObject({
      admitted: false, headers: { ratelimit: '"principal";r=96;t=60, "organization";r=0;t=20', 'retry-after': '20' },
    });
    // The 4 principal points came back: its block of 10 is whole again.
    expect(await consume(limits, [{ ...principal, cost: 10 }])).toEqual([true, { admitted: true, headers: { 'ratelimit-policy': '"principal";q=100;w=60', ratelimit: '"principal";r=90;t=60' } }]);
  });

  it('keeps at most 100 000 leases, the oldest going first', async () => {
    const limits = limiter(10);
    // 100 001 keys, a thousand checks a request (the most leases the fewest requests make).
    for (let i = 0; i <= 100; i++) {
      const checks = Array.from({ length: i === 100 ? 1 : 1_000 }, (_, j) => rateCheck('ip', `ip:${i * 1_000 + j}`, 100, 1));
      await limits.consume(checks);
    }
    expect(store.calls.length).toBe(100_001);
    // ip:1 still holds its block (answered here, no call); ip:0's lease went to make room for ip:100000.
    expect((await consume(limits, [rateCheck('ip', 'ip:1', 100, 1)]))[0]).toBe(true);
    expect((await consume(limits, [rateCheck('ip', 'ip:0', 100, 1)]))[0]).toBe(false);
    expect(store.calls.length).toBe(100_002);
  });
});
