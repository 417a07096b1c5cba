import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { systemClock } from '../../src/shared/clock.js';
import { createRedis, type Redis } from '../../src/shared/redis.js';
import { createRateLimits, rateCheck, type RateCheck, type RateLimits } from '../../src/gateway/limit-rate.js';
import { startOwnRedis } from './harness.js';

// The Redis lease of limit-rate.ts: two "processes" (two limiters, two connections) share a key.
describe('rate limits leased from Redis in blocks', () => {
  let redis: Awaited<ReturnType<typeof startOwnRedis>>;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redis.stop();
  });

  async function process(prefix: string, leasePercent: number): Promise<{ limits: RateLimits; commands: () => number }> {
    const client = createRedis(redis.url, { commandTimeoutMs: 1_000, name: 'lease-test' });
    clients.push(client);
    await client.connect();
    let count = 0;
    const sendCommand = client.sendCommand.bind(client);
    client.sendCommand = ((command: Parameters<typeof sendCommand>[0]) => {
      count += 1;
      return sendCommand(command);
    }) as typeof client.sendCommand;
    return {
      limits: createRateLimits({ redis: client, keyPrefix: prefix, windowS: 60, processCount: 2, clock: systemClock, leasePercent }),
      commands: () => count,
    };
  }

  async function admitted(limits: RateLimits, checks: RateCheck[]): Promise<boolean> {
    try {
      await limits.consume(checks);
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'rate_limited') return false;
      throw err;
    }
  }

  it('admits exactly the limit across processes, with one Redis call per block, and reports the limit', async () => {
    const prefix = `lease-${Date.now()}:`;
    const a = await process(prefix, 10);
    const b = await process(prefix, 10);
    const check = rateCheck('principal', 'user:u1:c', 100, 1);
    let count = 0;
    for (let i = 0; i < 150; i++) if (await admitted(i % 2 ? a.limits : b.limits, [check])) count += 1;
    expect(count).toBe(100);
    // Blocks of 10: about ten reservations between the two, plus the refused attempts at the end.
    expect(a.commands() + b.commands()).toBeLessThan(150 / 2);
    await expect(Promise.resolve().then(() => a.limits.consume([check]))).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('never lets a block take the counter past the limit, and a refused request costs nothing', async () => {
    const prefix = `lease-shrink-${Date.now()}:`;
    const a = await process(prefix, 40);
    const b = await process(prefix, 40);
    const principal = rateCheck('principal', 'user:u2:c', 10, 3);
    const organization = rateCheck('organization', 'org:o2', 1_000, 3);
    // Blocks of 4 points: a takes 4 (spends 3), b takes 4 (3), a needs 2 more and gets them (10 reached).
    expect(await admitted(a.limits, [principal, organization])).toBe(true);
    expect(await admitted(b.limits, [principal, organization])).toBe(true);
    expect(await admitted(a.limits, [principal, organization])).toBe(true);
    // b holds 1 unspent point: refused, and its organization points are given back.
    expect(await admitted(b.limits, [principal, organization])).toBe(false);
    const check = await b.limits.consume([{ ...organization, cost: 1 }]);
    expect(check.headers['ratelimit-policy']).toBe('"organization";q=1000;w=60');
    // Organization: two blocks of 400 reserved (800), b has 400 − 3 − 1 unspent (the refused 3 came back).
    expect(check.headers.ratelimit).toMatch(/^"organization";r=596;t=\d+$/);
    const cli = createRedis(redis.url, { commandTimeoutMs: 1_000, name: 'lease-test-reader' });
    clients.push(cli);
    await cli.connect();
    expect(Number(await cli.get(`${prefix}rl:principal:10:user:u2:c`))).toBe(10);
  });

  it('counts every request in Redis when the block would be under one point', async () => {
    const prefix = `lease-small-${Date.now()}:`;
    const a = await process(prefix, 5);
    const b = await process(prefix, 5);
    const check = rateCheck('principal', 'user:u3:c', 6, 1);
    const statuses: boolean[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await admitted(i % 2 ? a.limits : b.limits, [check]));
    expect(statuses).toEqual([true, true, true, true, true, true, false]);
  });
});
