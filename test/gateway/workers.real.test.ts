import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_CHANNEL } from '../../src/db/revocations.js';
import { createRedisBus } from '../../src/shared/bus.js';
import { createLogger } from '../../src/shared/logger.js';
import { createRedis } from '../../src/shared/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/backend.js';
import { freePort } from '../helpers/net.js';
import { gatehouseProcess as gatehouse, mint, request, startIssuer, startOwnRedis, startUpstream, type Issuer, type Upstream } from './harness.js';

// Two real worker processes need Postgres and Redis: this file runs in the postgres project only.
describe('gatehouse start --role gateway --workers 2 on Postgres and Redis', () => {
  let issuer: Issuer;
  let api: Upstream;
  let redis: Awaited<ReturnType<typeof startOwnRedis>>;
  let db: TestDatabase;
  beforeAll(async () => {
    issuer = await startIssuer();
    api = await startUpstream();
    redis = await startOwnRedis();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
    await redis.stop();
    await api.close();
    await issuer.close();
  });

  it('shares rate limits and revocations between the workers, and stops on SIGTERM', async () => {
    const port = await freePort();
    const prefix = `gw-workers-${Date.now()}:`;
    const run = gatehouse(['start', '--role', 'gateway', '--workers', '2'], {
      HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: 'https://gatehouse.test', SECRET: 'x'.repeat(40),
      DATABASE_URL: db.url!, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix,
      API_UPSTREAM_URL: api.url, AUTH_UPSTREAM_URL: issuer.url, RATE_LIMIT_AGENT: '6', GATEWAY_ACCESS_LOG: 'false',
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 200; i++) {
        const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
        if (up) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1_000)); // the second worker is listening too
      const token = `Bearer ${await mint(issuer, { claims: { jti: 'workers-jti', sub: 'u-workers' } })}`;
      // New connection per request: node:cluster hands them to both workers in turn.
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await request(url, '/v2/users/me', { headers: { authorization: token } })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);

      const other = `Bearer ${await mint(issuer, { claims: { jti: 'workers-revoked', sub: 'u-workers-2' } })}`;
      expect((await request(url, '/v2/users/me', { headers: { authorization: other } })).status).toBe(200);
      const publisher = createRedis(redis.url, { commandTimeoutMs: 500, name: 'test-publisher' });
      await publisher.connect();
      const bus = createRedisBus({ publisher, subscriber: publisher.duplicate(), logger: createLogger({ level: 'silent' }), prefix });
      await bus.publish(REVOCATION_CHANNEL, { kind: 'token', subject: 'workers-revoked', expiresAt: Date.now() + 60_000 });
      publisher.disconnect();
      await new Promise((r) => setTimeout(r, 1_000));
      const after: number[] = [];
      for (let i = 0; i < 6; i++) after.push((await request(url, '/v2/users/me', { headers: { authorization: other } })).status);
      expect(after).toEqual([401, 401, 401, 401, 401, 401]);
    } finally {
      run.child.kill('SIGTERM');
      const code = await Promise.race([run.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
      if (code !== 0) {
        run.child.kill('SIGKILL');
        console.error(run.output());
      }
      expect(code).toBe(0);
    }
  }, 60_000);
});
