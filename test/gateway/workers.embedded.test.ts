import { describe, expect, it } from 'vitest';
import { gatehouseProcess as gatehouse } from './harness.js';

describe('gatehouse start --workers', () => {
  it.each([
    [['start', '--workers', '2'], {}, '--workers applies to --role gateway'],
    [['start', '--role', 'gateway', '--workers', '2'], {}, '--workers needs DATABASE_URL and REDIS_URL'],
    [['start', '--role', 'gateway', '--workers', 'many'], {}, '--workers must be a whole number'],
  ] as const)('refuses %j as a usage error', async (args, env, message) => {
    const run = gatehouse([...args], { ...env, SECRET: 'x'.repeat(40) });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(message);
  }, 30_000);

});
