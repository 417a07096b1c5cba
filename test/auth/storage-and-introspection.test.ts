import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeEverythingOfUser } from '../../src/auth/grants/revoke-grant.js';
import { createAccessTokenCustomizer } from '../../src/auth/provider/access-token-claims.js';
import { createAdapterFactory } from '../../src/auth/storage/adapter.js';
import { deleteRowsOfGrant, setGrantOrganization } from '../../src/auth/storage/oidc-rows.js';
import { withRequestGrants } from '../../src/auth/storage/request-grants.js';
import { startSweeper } from '../../src/auth/storage/sweeper.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { insertClient } from '../../src/db/oauth-clients/client-rows.js';
import { createTestRuntime, startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { codeFlow, createUser, defaultOrganizationId, discover, registerClient } from './helpers/oauth.js';
import { UserAgent } from './helpers/user-agent.js';

describe('OIDC storage adapter on the real database', () => {
  let runtime: OwnedRuntime;
  const replays: string[] = [];
  let adapter: ReturnType<typeof createAdapterFactory>;
  const accessTokensRevoked: string[] = [];

  beforeAll(async () => {
    runtime = await createTestRuntime();
    adapter = createAdapterFactory({
      knex: runtime.db.knex,
      clock: runtime.clock,
      findClient: async () => undefined,
      onReplay: async (grantId) => void replays.push(grantId),
      onAccessTokensRevoked: async (grantId) => void accessTokensRevoked.push(grantId),
    });
  });
  afterAll(() => runtime?.close());

  it('stores, finds by id and uid, and deletes by grant', async () => {
    const sessions = adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a1', kind: 'Session' } as never, 60);
    expect(await sessions.find('s1')).toMatchObject({ uid: 'u1' });
    expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'a1' });
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1', kind: 'AuthorizationCode' } as never, 60);
    await adapter('RefreshToken').upsert('r1', { grantId: 'g1', kind: 'RefreshToken' } as never, 60);
    await codes.revokeByGrantId('g1');
    expect(await codes.find('c1')).toBeUndefined();
    expect(await adapter('RefreshToken').find('r1')).toBeDefined();
    // JWT access tokens are not stored: revoking them by grant is announced, and awaited.
    expect(accessTokensRevoked).toEqual([]);
    await adapter('AccessToken').revokeByGrantId('g1');
    expect(accessTokensRevoked).toEqual(['g1']);
  });

  it('lets exactly one of 20 concurrent consumes win and reports the replay for the others', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('race', { grantId: 'g-race', kind: 'AuthorizationCode' } as never, 60);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => codes.consume('race')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(19);
    expect(rejected.every((r) => (r.reason as { error?: string }).error === 'invalid_grant')).toBe(true);
    expect(replays.filter((g) => g === 'g-race')).toHaveLength(19);
    expect(await codes.find('race')).toMatchObject({ consumed: expect.any(Number) });
  });

  it('shapes the winner\'s access token even when a replay deleted its grant after it was read', async () => {
    const knex = runtime.db.knex;
    const organizationId = (await insertOrganization(knex, { name: 'window' })).id;
    const user = (await insertUser(knex, { email: 'window@example.test', passwordHash: null })).id;
    await insertMembership(knex, { userId: user, organizationId, role: 'agent' });
    await adapter('Grant').upsert('g-window', { kind: 'Grant', accountId: user, clientId: 'c' } as never, 60);
    await setGrantOrganization(knex, 'g-window', organizationId);
    // The customizer reads the client's current max_role (issue 17), so the client is a real row.
    await insertClient(knex, {
      id: 'c', name: 'Window app', type: 'web', organization_id: organizationId, secret_encrypted: null, redirect_uris: ['https://app.example/cb'],
      post_logout_redirect_uris: [], allowed_origins: [], max_role: 'admin', signing_alg: 'ES256', resource_server: false,
    });
    const customize = createAccessTokenCustomizer(knex);
    const shape = () => {
      const jwt = { header: {}, payload: { aud: 'x' } as Record<string, unknown> };
      const ctx = { oidc: { entities: {}, params: { scope: 'openid agent' }, client: { clientId: 'c' } } };
      const token = { kind: 'AccessToken', grantId: 'g-window', accountId: user, scope: 'openid agent' };
      return customize(ctx as never, token as never, jwt as never).then(() => jwt.payload);
    };
    await expect(
      withRequestGrants(async () => {
        await adapter('Grant').find('g-window'); // the provider's validateGrant, before the consume
        await deleteRowsOfGrant(knex, 'g-window'); // a losing replay revokes the grant
        return shape();
      }),
    ).resolves.toMatchObject({ org: organizationId, gid: 'g-window', scope: 'agent openid' });
    // Outside a request that read it, the deleted grant has no organization.
    await expect(shape()).rejects.toMatchObject({ error: 'invalid_grant', error_detail: 'grant has no organization' });
  });

  it('hides expired rows and the sweeper deletes them', async () => {
    const tokens = adapter('AccessToken');
    await tokens.upsert('old', { kind: 'AccessToken' } as never, 60);
    await runtime.db.knex('oidc_models').where({ id: 'old' }).update({ expires_at: new Date(Date.now() - 1000) });
    expect(await tokens.find('old')).toBeUndefined();
    await startSweeper({ knex: runtime.db.knex, clock: runtime.clock, intervalMs: 3_600_000, logger: runtime.logger }).sweep();
    expect(await runtime.db.knex('oidc_models').where({ id: 'old' })).toHaveLength(0);
  });
});

describe('introspection follows expiry and user revocation; https deployments', () => {
  let gatehouse: TestGatehouse;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9999/cb';

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { ACCESS_TOKEN_TTL_SECONDS: 2 } });
    const web = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    config = await discover(gatehouse, web.client.id, web.clientSecret);
  });
  afterAll(() => gatehouse?.stop());

  it('reports an expired access token inactive', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'agent' });
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true });
    const exp = decodeJwt(tokens.access_token).exp! * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp - Date.now()) + 50));
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  it('disabling a user revokes their tokens, grants and sessions', async () => {
    const user = await createUser(gatehouse, [{ organizationId: await defaultOrganizationId(gatehouse), role: 'agent' }]);
    const agent = new UserAgent(gatehouse.url);
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'agent', user, agent });
    const { runtime } = gatehouse;
    await runtime.db.knex('users').where({ id: user.id }).update({ disabled_at: new Date() });
    await revokeEverythingOfUser({ knex: runtime.db.knex, bus: runtime.bus, clock: runtime.clock, config: runtime.config }, user.id);
    const row = await runtime.db.knex('revocations').where({ kind: 'user', subject: user.id }).first();
    expect(row.not_before.getTime()).toBeGreaterThan(decodeJwt(tokens.access_token).iat! * 1000 - 1);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    const refresh = await oidc.refreshTokenGrant(config, tokens.refresh_token!).catch((e: unknown) => e);
    expect((refresh as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect(await runtime.db.knex('oidc_models').where({ model: 'Session', account_id: user.id })).toHaveLength(0);
  });

  it('marks cookies Secure when PUBLIC_URL is https', async () => {
    const secure = await startTestGatehouse({ config: { PUBLIC_URL: 'https://auth.example.test' } });
    try {
      const web = await registerClient(secure, { type: 'web', redirect_uris: ['https://app.example/cb'] });
      const res = await fetch(`${secure.url}/oauth2/authorize?${new URLSearchParams({
        client_id: web.client.id, redirect_uri: 'https://app.example/cb', response_type: 'code', scope: 'openid', state: 's',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      })}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/interaction\//);
      const cookies = res.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie).toMatch(/; secure/i);
      const discovery = (await (await fetch(`${secure.url}/.well-known/openid-configuration`)).json()) as { issuer: string; token_endpoint: string };
      expect(discovery).toMatchObject({ issuer: 'https://auth.example.test', token_endpoint: 'https://auth.example.test/oauth2/token' });
    } finally {
      await secure.stop();
    }
  });
});
