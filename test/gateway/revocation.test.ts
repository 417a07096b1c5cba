import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { membershipSubject, revoke } from '../../src/db/revocations.js';
import { createRedisBus } from '../../src/shared/bus.js';
import { createRedis } from '../../src/shared/redis.js';
import { createTestRuntime, memoryApiKeys, mint, startGateway, startIssuer, startOwnRedis, startUpstream, type Issuer, type Upstream } from './harness.js';

/** Polls until `check` passes; returns how long it took. Fails after `withinMs`. */
async function within(withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not within ${withinMs} ms`);
}

const status = (url: string, authorization: string) => fetch(`${url}/things`, { headers: { authorization } }).then((r) => r.status);

describe('revocation denylist', () => {
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

  it('enforces token, grant, user and API-key revocations from the bus within a second', async () => {
    const apiKeys = memoryApiKeys();
    const gateway = await startGateway({ issuer, api, gateway: { apiKeys } });
    const deps = { knex: gateway.runtime.db.knex, bus: gateway.runtime.bus };
    const expiresAt = Date.now() + 3_600_000;
    try {
      const byJti = `Bearer ${await mint(issuer, { claims: { jti: 'revoke-me', gid: 'g-a' } })}`;
      const byGrant = `Bearer ${await mint(issuer, { claims: { jti: 'j-2', gid: 'grant-x' } })}`;
      const byUser = `Bearer ${await mint(issuer, { claims: { jti: 'j-3', gid: 'g-b', sub: 'user-9' } })}`;
      const key = `Bearer ${apiKeys.add({ sub: 'user-5', org: 'org-1', role: 'agent', scopes: ['agent'], key_id: 'key-r' })}`;
      const untouched = `Bearer ${await mint(issuer, { claims: { jti: 'j-4', gid: 'g-c' } })}`;
      for (const credential of [byJti, byGrant, byUser, key, untouched]) expect(await status(gateway.url, credential)).toBe(200);

      await revoke(deps, { kind: 'token', subject: 'revoke-me', expiresAt });
      await revoke(deps, { kind: 'grant', subject: 'grant-x', expiresAt });
      await revoke(deps, { kind: 'user', subject: 'user-9', notBefore: Date.now() + 1_000, expiresAt });
      await revoke(deps, { kind: 'api_key', subject: 'key-r', expiresAt });
      for (const credential of [byJti, byGrant, byUser, key]) {
        await within(1_000, async () => (await status(gateway.url, credential)) === 401);
      }
      const res = await fetch(`${gateway.url}/things`, { headers: { authorization: byJti } });
      expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_auth' });
      expect(await status(gateway.url, untouched)).toBe(200);
      // A user's tokens issued after the cut-off work again.
      const later = `Bearer ${await mint(issuer, { claims: { jti: 'j-5', sub: 'user-9' }, iat: Math.floor(Date.now() / 1000) + 2 })}`;
      expect(await status(gateway.url, later)).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('cuts off a membership in one organization only, and a client everywhere (issue 17)', async () => {
    const gateway = await startGateway({ issuer, api });
    const deps = { knex: gateway.runtime.db.knex, bus: gateway.runtime.bus };
    const cutoff = { notBefore: Date.now() + 1_000, expiresAt: Date.now() + 3_600_000 };
    const token = (claims: Record<string, string>) => mint(issuer, { claims: { gid: `g-${claims.jti}`, ...claims } }).then((t) => `Bearer ${t}`);
    try {
      const inB = await token({ jti: 'm-b', sub: 'user-m', org: 'org-b', client_id: 'app-1' });
      const inA = await token({ jti: 'm-a', sub: 'user-m', org: 'org-a', client_id: 'app-1' });
      const otherUserInB = await token({ jti: 'm-o', sub: 'user-o', org: 'org-b', client_id: 'app-1' });
      const ofClient = await token({ jti: 'c-1', sub: 'svc-1', org: 'org-a', client_id: 'svc-1' });
      const ofOtherClient = await token({ jti: 'c-2', sub: 'svc-2', org: 'org-a', client_id: 'svc-2' });
      for (const credential of [inB, inA, otherUserInB, ofClient, ofOtherClient]) expect(await status(gateway.url, credential)).toBe(200);

      await revoke(deps, { kind: 'membership', subject: membershipSubject('org-b', 'user-m'), ...cutoff });
      await revoke(deps, { kind: 'client', subject: 'svc-1', ...cutoff });
      await within(1_000, async () => (await status(gateway.url, inB)) === 401);
      await within(1_000, async () => (await status(gateway.url, ofClient)) === 401);
      // Literal expectations: the same user elsewhere, another user there, another client live on.
      expect({ inA: await status(gateway.url, inA), otherUserInB: await status(gateway.url, otherUserInB), ofOtherClient: await status(gateway.url, ofOtherClient) })
        .toEqual({ inA: 200, otherUserInB: 200, ofOtherClient: 200 });
      const later = `Bearer ${await mint(issuer, { claims: { jti: 'c-3', sub: 'svc-1', client_id: 'svc-1' }, iat: Math.floor(Date.now() / 1000) + 2 })}`;
      expect(await status(gateway.url, later)).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('loads the persisted list when it starts', async () => {
    const runtime = await createTestRuntime({ config: { PUBLIC_URL: 'https://gatehouse.test' } });
    await runtime.db.knex('revocations').insert({ kind: 'token', subject: 'old-jti', expires_at: new Date(Date.now() + 60_000) });
    const gateway = await startGateway({ issuer, api, runtime });
    try {
      const refused = await fetch(`${gateway.url}/things`, { headers: { authorization: `Bearer ${await mint(issuer, { claims: { jti: 'old-jti' } })}` } });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: 'invalid_auth', message: 'The credential has been revoked.' });
      expect(await status(gateway.url, `Bearer ${await mint(issuer, { claims: { jti: 'other-jti' } })}`)).toBe(200);
    } finally {
      await gateway.close();
      await runtime.close();
    }
  });

  describe('two gateway processes sharing Redis', () => {
    let redis: Awaited<ReturnType<typeof startOwnRedis>>;
    beforeAll(async () => {
      redis = await startOwnRedis();
    });
    afterAll(() => redis.stop());

    it('a revocation published by one reaches the other within a second, and a reconnect re-syncs missed ones', async () => {
      const config = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `gw-rev-${Date.now()}:` };
      const a = await startGateway({ issuer, api, runtimeOptions: { config } });
      // b's bus listens for 'ready' before its subscriber first connects, so a reconnect is
      // recognised as one (createRuntime wires it after connecting; reported to the lead).
      const bRuntime = await createTestRuntime({ config: { ...config, PUBLIC_URL: 'https://gatehouse.test' } });
      const subscriber = createRedis(redis.url, { commandTimeoutMs: 500, name: 'events-b', subscriber: true });
      const bus = createRedisBus({ publisher: bRuntime.redis!, subscriber, logger: bRuntime.logger, prefix: config.REDIS_KEY_PREFIX });
      await subscriber.connect();
      const b = await startGateway({ issuer, api, runtime: { ...bRuntime, bus } });
      try {
        const token = `Bearer ${await mint(issuer, { claims: { jti: 'cross-process' } })}`;
        expect(await status(a.url, token)).toBe(200);
        expect(await status(b.url, token)).toBe(200);
        await new Promise((r) => setTimeout(r, 200)); // both subscriptions are live
        const started = Date.now();
        await revoke({ knex: a.runtime.db.knex, bus: a.runtime.bus }, { kind: 'token', subject: 'cross-process', expiresAt: Date.now() + 60_000 });
        await within(1_000, async () => (await status(b.url, token)) === 401);
        expect(Date.now() - started).toBeLessThan(1_000);

        // Missed while Redis was down: written to b's database without a message, then Redis returns.
        const missed = `Bearer ${await mint(issuer, { claims: { jti: 'missed-while-down' } })}`;
        expect(await status(b.url, missed)).toBe(200);
        await redis.stop();
        await b.runtime.db.knex('revocations').insert({ kind: 'token', subject: 'missed-while-down', expires_at: new Date(Date.now() + 60_000) });
        expect(await status(b.url, missed)).toBe(200);
        await redis.start();
        await within(6_000, async () => (await status(b.url, missed)) === 401);
      } finally {
        await a.close();
        await b.close();
        subscriber.disconnect();
        await bRuntime.close();
      }
    }, 30_000);

    it('reloads from the database periodically, so a lost message is enforced anyway', async () => {
      const gateway = await startGateway({ issuer, api, runtimeOptions: { config: { GATEWAY_REVOCATION_RESYNC_MS: 200 } } });
      try {
        const token = `Bearer ${await mint(issuer, { claims: { jti: 'lost-message' } })}`;
        expect(await status(gateway.url, token)).toBe(200);
        await gateway.runtime.db.knex('revocations').insert({ kind: 'token', subject: 'lost-message', expires_at: new Date(Date.now() + 60_000) });
        await within(1_000, async () => (await status(gateway.url, token)) === 401);
      } finally {
        await gateway.close();
      }
    });
  });
});
