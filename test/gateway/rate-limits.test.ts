import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, memoryApiKeys, mint, request, startGateway, startIssuer, startOwnRedis, startUpstream, type Issuer, type TestGateway, type Upstream } from './harness.js';

describe('rate limits', () => {
  let issuer: Issuer;
  let api: Upstream;
  beforeAll(async () => {
    issuer = await startIssuer();
    api = await startUpstream();
  });
  afterAll(async () => {
    await api.close();
    await issuer.close();
  });

  describe('in memory', () => {
    let gateway: TestGateway;
    const apiKeys = memoryApiKeys();
    beforeAll(async () => {
      gateway = await startGateway({
        issuer, api, gateway: { apiKeys },
        runtimeOptions: {
          config: {
            REDIS_URL: '', RATE_LIMIT_AGENT: 5, RATE_LIMIT_ADMIN: 12, RATE_LIMIT_ORGANIZATION: 8, RATE_LIMIT_ANONYMOUS: 3,
            RATE_LIMIT_TOKEN_ENDPOINT: 2, RATE_LIMIT_LOGIN: 2, RATE_LIMIT_KEYS: ['key-big=7'], RATE_LIMIT_GUEST: 1,
            GATEWAY_TRUSTED_PROXIES: ['10.0.0.1'],
          },
        },
      });
    });
    afterAll(() => gateway.close());

    it('counts per principal and reports RateLimit-Policy / RateLimit; 429 rate_limited with Retry-After', async () => {
      const token = `Bearer ${await mint(issuer, { claims: { sub: 'u-limit', org: 'org-limit-1' } })}`;
      const first = await fetch(`${gateway.url}/things`, { headers: { authorization: token } });
      expect(first.status).toBe(200);
      expect(first.headers.get('ratelimit-policy')).toBe('"principal";q=5;w=60, "organization";q=8;w=60');
      expect(first.headers.get('ratelimit')).toMatch(/^"principal";r=4;t=\d+, "organization";r=7;t=\d+$/);
      for (let i = 0; i < 4; i++) expect((await fetch(`${gateway.url}/things`, { headers: { authorization: token } })).status).toBe(200);
      const limited = await fetch(`${gateway.url}/things`, { headers: { authorization: token } });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.headers.get('ratelimit')).toMatch(/"principal";r=0/);
      expect(await json(limited)).toMatchObject({ ok: false, error: 'rate_limited' });
    });

    it('charges the operation cost and holds the organization aggregate over all its principals', async () => {
      const admin = `Bearer ${await mint(issuer, { claims: { sub: 'u-admin', org: 'org-limit-2', scope: 'admin' } })}`;
      // things.delete costs 5 of the organization's 8 points: the second one is refused.
      expect((await fetch(`${gateway.url}/things/1`, { method: 'DELETE', headers: { authorization: admin } })).status).toBe(200);
      const second = await fetch(`${gateway.url}/things/1`, { method: 'DELETE', headers: { authorization: admin } });
      expect(second.status).toBe(429);
      expect(second.headers.get('ratelimit')).toMatch(/"organization";r=0/);
      // The refused call cost nothing: 3 points are left for a colleague's 1-point reads.
      const colleague = `Bearer ${await mint(issuer, { claims: { sub: 'u-other', org: 'org-limit-2' } })}`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${gateway.url}/things`, { headers: { authorization: colleague } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });

    it('keeps per-user-and-client principals apart and honours a per-key limit', async () => {
      const key = `Bearer ${apiKeys.add({ sub: 'u-key', org: 'org-limit-3', role: 'guest', scopes: ['guest'], key_id: 'key-big' })}`;
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await fetch(`${gateway.url}/things`, { headers: { authorization: key } })).status);
      // guest would allow 1; the key's own limit is 7 (and the organization's 8).
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
    });

    it('limits anonymous callers per IP, believing X-Forwarded-For only from a trusted proxy', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await request(gateway.url, '/v2/health', { headers: { 'x-forwarded-for': `1.2.3.${i}` } })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(api.last().headers['x-forwarded-for']).toBe('127.0.0.1');
    });

    it('has stricter per-IP limits for the token endpoints and login', async () => {
      const token = [];
      for (let i = 0; i < 3; i++) token.push((await fetch(`${gateway.url}/oauth2/token`, { method: 'POST', body: 'grant_type=x' })).status);
      expect(token).toEqual([200, 200, 429]);
      expect((await fetch(`${gateway.url}/v2/auth/token`, { method: 'POST', body: '{}' })).status).toBe(429);
      const login = [];
      for (let i = 0; i < 3; i++) login.push((await fetch(`${gateway.url}/interaction/abc/login`, { method: 'POST', body: 'x=1' })).status);
      expect(login).toEqual([200, 200, 429]);
    });
  });

  describe('with trusted proxies', () => {
    it('takes the client address from the right of X-Forwarded-For when the peer is trusted', async () => {
      const gateway = await startGateway({ issuer, api, runtimeOptions: { config: { GATEWAY_TRUSTED_PROXIES: ['127.0.0.1', '10.0.0.9'] } } });
      try {
        await request(gateway.url, '/v2/health', { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' } });
        const seen = api.last().headers;
        expect(seen['x-forwarded-for']).toBe('203.0.113.7');
        expect(seen['x-forwarded-proto']).toBe('https');
        expect(seen['x-forwarded-host']).toBe('api.example.com');
      } finally {
        await gateway.close();
      }
    });
  });

  describe('on Redis, and when Redis dies', () => {
    let redis: Awaited<ReturnType<typeof startOwnRedis>>;
    beforeAll(async () => {
      redis = await startOwnRedis();
    });
    afterAll(() => redis.stop());

    it('shares counters between gateways, falls back to limit ÷ processes without hanging, reports it, and recovers', async () => {
      const config = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `gw-rl-${Date.now()}:`, RATE_LIMIT_AGENT: 6, RATE_LIMIT_ORGANIZATION: 1_000, GATEWAY_PROCESS_COUNT: 2, REDIS_COMMAND_TIMEOUT_MS: 200 };
      const a = await startGateway({ issuer, api, runtimeOptions: { config } });
      const b = await startGateway({ issuer, api, runtimeOptions: { config } });
      try {
        // As a load balancer would: traffic only once both report ready (their limit store
        // connected); a request before that is counted by the per-process fallback.
        for (const gateway of [a, b]) {
          await expect.poll(async () => (await json(await fetch(`${gateway.url}/ready`))).ok, { timeout: 5_000, interval: 20 }).toBe(true);
        }
        const token = `Bearer ${await mint(issuer, { claims: { sub: 'u-redis' } })}`;
        const shared: number[] = [];
        for (let i = 0; i < 7; i++) shared.push((await fetch(`${(i % 2 ? a : b).url}/things`, { headers: { authorization: token } })).status);
        expect(shared).toEqual([200, 200, 200, 200, 200, 200, 429]);
        expect((await json(await fetch(`${a.url}/ready`))).checks).toMatchObject({ rate_limit_store: 'ok' });

        await redis.stop();
        const other = `Bearer ${await mint(issuer, { claims: { sub: 'u-redis-down' } })}`;
        const down: number[] = [];
        for (let i = 0; i < 4; i++) {
          const started = Date.now();
          down.push((await fetch(`${a.url}/things`, { headers: { authorization: other } })).status);
          expect(Date.now() - started).toBeLessThan(1_000);
        }
        // 6 ÷ 2 processes = 3 per process while Redis is away.
        expect(down).toEqual([200, 200, 200, 429]);
        const ready = await fetch(`${a.url}/ready`);
        expect(ready.status).toBe(503);
        expect(await json(ready)).toMatchObject({ ok: false, checks: { rate_limit_store: 'failed' } });

        await redis.start();
        const recovered = await (async () => {
          for (let i = 0; i < 100; i++) {
            const body = await json(await fetch(`${a.url}/ready`));
            if (body.ok === true) return body;
            await new Promise((r) => setTimeout(r, 100));
          }
          return undefined;
        })();
        expect(recovered).toMatchObject({ checks: { rate_limit_store: 'ok', redis: 'ok' } });
        const fresh = `Bearer ${await mint(issuer, { claims: { sub: 'u-redis-back' } })}`;
        const back = await fetch(`${a.url}/things`, { headers: { authorization: fresh } });
        expect(back.headers.get('ratelimit-policy')).toContain('"principal";q=6;');
      } finally {
        await a.close();
        await b.close();
      }
    }, 30_000);
  });
});
