import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../src/auth/accounts/authenticate.js';
import { createLoginThrottle } from '../../src/auth/accounts/login-throttle.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { insertUser } from '../../src/db/accounts.js';
import { hashPassword } from '../../src/shared/password.js';
import { createTestRuntime } from '../helpers/gatehouse.js';

// Real argon2, real database, and Redis on the postgres backend (shared counters across processes).
describe('login throttling and uniform failures', () => {
  let runtime: OwnedRuntime;
  const email = 'throttle@example.test';

  beforeAll(async () => {
    runtime = await createTestRuntime({ config: { LOGIN_MAX_FAILURES_PER_EMAIL_IP: 3, LOGIN_MAX_ATTEMPTS_PER_IP: 6, LOGIN_BLOCK_SECONDS: 60 } });
    await insertUser(runtime.db.knex, { email, passwordHash: await hashPassword('right-password') });
  });
  afterAll(() => runtime?.close());

  const deps = () => ({ knex: runtime.db.knex, throttle: createLoginThrottle(runtime.config, runtime.redis) });

  it('blocks an email+IP pair after consecutive failures, but not the same email from another IP', async () => {
    const d = deps();
    for (let i = 0; i < 3; i++) expect(await authenticate(d, { email, password: 'wrong', ip: '198.51.100.1' })).toEqual({ ok: false, reason: 'invalid_credentials' });
    const blocked = await authenticate(d, { email, password: 'right-password', ip: '198.51.100.1' });
    expect(blocked).toMatchObject({ ok: false, reason: 'throttled' });
    expect((blocked as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect((blocked as { retryAfterSeconds: number }).retryAfterSeconds).toBeLessThanOrEqual(60);
    // Someone else's failures cannot lock the owner out from where they are.
    expect(await authenticate(d, { email, password: 'right-password', ip: '203.0.113.7' })).toMatchObject({ ok: true });
  });

  it('a success resets the pair; an IP is limited across emails', async () => {
    const d = deps();
    const ip = '192.0.2.44';
    await authenticate(d, { email, password: 'wrong', ip });
    await authenticate(d, { email, password: 'wrong', ip });
    expect(await authenticate(d, { email, password: 'right-password', ip })).toMatchObject({ ok: true });
    expect(await authenticate(d, { email, password: 'wrong', ip })).toMatchObject({ reason: 'invalid_credentials' });
    // 4 attempts so far from this IP; the limit is 6 per window whatever the email.
    await authenticate(d, { email: 'a@example.test', password: 'x', ip });
    await authenticate(d, { email: 'b@example.test', password: 'x', ip });
    expect(await authenticate(d, { email: 'c@example.test', password: 'x', ip })).toMatchObject({ reason: 'throttled' });
  });

  it('spends comparable time on an unknown email and a wrong password (dummy hash)', async () => {
    const d = { knex: runtime.db.knex, throttle: createLoginThrottle({ ...runtime.config, LOGIN_MAX_FAILURES_PER_EMAIL_IP: 1000, LOGIN_MAX_ATTEMPTS_PER_IP: 1000 }, undefined) };
    const time = async (input: { email: string; password: string }) => {
      const samples = [];
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        await authenticate(d, { ...input, ip: '10.9.8.7' });
        samples.push(performance.now() - start);
      }
      return samples.sort((a, b) => a - b)[1]!;
    };
    await time({ email: 'warmup@example.test', password: 'x' });
    const unknown = await time({ email: 'nobody-here@example.test', password: 'whatever' });
    const wrong = await time({ email, password: 'wrong-password' });
    // Both run one argon2id verification (m = 19 MiB, t = 2): tens of milliseconds each.
    expect(unknown).toBeGreaterThan(5);
    expect(wrong).toBeGreaterThan(5);
    expect(unknown / wrong).toBeGreaterThan(0.33);
    expect(unknown / wrong).toBeLessThan(3);
  });
});
