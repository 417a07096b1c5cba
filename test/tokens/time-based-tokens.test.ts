import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { hashPassword } from '../../src/shared/password.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call, decodeJwt } from '../helpers/http.js';

const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Claims {
  jti: string;
  gid: string;
  sub: string;
  org: string;
  iat: number;
}

interface TokenBody {
  tokenType: string;
  token: string;
  refreshToken: string;
  user: string;
  scope: string;
}

describe('seed 001: time-based tokens, exactly as the seed describes them', () => {
  let gatehouse: TestGatehouse;
  let orgId: string;
  beforeAll(async () => {
    // A 2 s lifetime and no leeway, so expiry happens within the test.
    gatehouse = await startTestGatehouse({ config: { TIME_BASED_TOKEN_TTL_SECONDS: 2, GATEWAY_CLOCK_TOLERANCE_S: 0, RATE_LIMIT_TOKEN_ENDPOINT: 1_000 } });
    orgId = (await gatehouse.runtime.db.knex('organizations').first('id')).id;
  });
  afterAll(() => gatehouse.stop());

  const signIn = (body: unknown) => call(gatehouse.url, 'POST', '/v2/auth/token', { body });

  it('creates a token, calls the API with it, refreshes with GET before expiry and with POST + clientId after', async () => {
    // Create an access token: POST /v2/auth/token {email, password}
    const created = await signIn(ADMIN);
    expect(created.status).toBe(200);
    const first = created.body as unknown as TokenBody;
    expect(Object.keys(first).sort()).toEqual(['refreshToken', 'scope', 'token', 'tokenType', 'user']);
    expect(first.tokenType).toBe('Bearer');
    expect(first.scope).toBe('admin');
    expect(first.refreshToken).toMatch(new RegExp(`^${first.user}\\.[0-9a-f]{80}$`));
    expect(created.headers.get('cache-control')).toBe('no-store');

    // The token is an RFC 9068 access token, verifiable with the published JWKS.
    const { header, payload } = decodeJwt(first.token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const jwks = createRemoteJWKSet(new URL(`${gatehouse.url}/oauth2/jwks`));
    const verified = await jwtVerify(first.token, jwks, { issuer: gatehouse.url, audience: gatehouse.runtime.config.API_AUDIENCE, typ: 'at+jwt' });
    expect(verified.payload).toMatchObject({ sub: first.user, org: orgId, scope: 'admin' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(2);
    expect(payload.jti).toEqual(expect.any(String));

    // Make a protected API call with it.
    const me = await call(gatehouse.url, 'GET', '/v2/users/me', { token: first.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ ok: true, data: { id: first.user, email: ADMIN.email } });

    // Before expiry: GET with the current token as Bearer.
    const refreshed = await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${first.refreshToken}`, { token: first.token });
    expect(refreshed.status).toBe(200);
    const second = refreshed.body as unknown as TokenBody;
    expect(second).toMatchObject({ tokenType: 'Bearer', user: first.user, scope: 'admin' });
    expect(second.token).not.toBe(first.token);
    expect(second.refreshToken).not.toBe(first.refreshToken);

    // After expiry: the API answers 403 token_expired (seed 001) …
    await sleep(2_100);
    const expired = await call(gatehouse.url, 'GET', '/v2/users/me', { token: second.token });
    expect(expired.status).toBe(403);
    expect(expired.body).toMatchObject({ ok: false, error: 'token_expired' });
    // … GET refresh needs an unexpired token …
    const lateGet = await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${second.refreshToken}`, { token: second.token });
    expect(lateGet.status).toBe(403);
    expect(lateGet.body).toMatchObject({ ok: false, error: 'token_expired' });
    // … and POST {refreshToken, clientId} without Authorization gives a new pair.
    const renewed = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: second.refreshToken, clientId: ADMIN.email } });
    expect(renewed.status).toBe(200);
    const third = renewed.body as unknown as TokenBody;
    expect(third).toMatchObject({ tokenType: 'Bearer', user: first.user, scope: 'admin' });
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { token: third.token })).status).toBe(200);
  });

  it('rotates refresh tokens: a reused one fails and revokes its whole family at the gateway', async () => {
    const first = (await signIn(ADMIN)).body as unknown as TokenBody;
    const second = (await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${first.refreshToken}`, { token: first.token })).body as unknown as TokenBody;
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { token: second.token })).status).toBe(200);

    const reused = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: first.refreshToken, clientId: ADMIN.email } });
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ ok: false, error: 'invalid_refresh_token' });

    // The family is dead: the newest refresh token and the access token issued with it.
    const afterReuse = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: second.refreshToken, clientId: ADMIN.email } });
    expect(afterReuse.status).toBe(401);
    await expect
      .poll(async () => (await call(gatehouse.url, 'GET', '/v2/users/me', { token: second.token })).status, { timeout: 1_000, interval: 50 })
      .toBe(401);
  });

  it('refuses a refresh whose clientId is not the user’s email, or whose Bearer belongs to another sign-in', async () => {
    const a = (await signIn(ADMIN)).body as unknown as TokenBody;
    const b = (await signIn(ADMIN)).body as unknown as TokenBody;
    const wrongClient = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: a.refreshToken, clientId: 'someone@example.test' } });
    expect(wrongClient.status).toBe(401);
    expect(wrongClient.body.error).toBe('invalid_refresh_token');
    const crossed = await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${a.refreshToken}`, { token: b.token });
    expect(crossed.status).toBe(401);
    // Neither attempt consumed the token: its rightful owner can still use it.
    expect((await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${a.refreshToken}`, { token: a.token })).status).toBe(200);
  });

  // The Bearer's revocation is asked in the statement that reads the refresh token: every kind
  // that can name a first-party access token refuses it, before the refresh token is looked at,
  // and leaves the refresh token unconsumed.
  it.each([
    ['its token id', (t: Claims) => ({ kind: 'token', subject: t.jti, not_before: null })],
    ['its sign-in (grant)', (t: Claims) => ({ kind: 'grant', subject: t.gid, not_before: null })],
    ['a cut-off of its user after it was issued', (t: Claims) => ({ kind: 'user', subject: t.sub, not_before: new Date((t.iat + 1) * 1000) })],
    ['a cut-off of its membership after it was issued', (t: Claims) => ({ kind: 'membership', subject: `${t.org}/${t.sub}`, not_before: new Date((t.iat + 1) * 1000) })],
  ])('refuses a GET refresh whose Bearer is revoked by %s, with invalid_auth, and leaves the refresh token unused', async (_label, row) => {
    const knex = gatehouse.runtime.db.knex;
    const tokens = (await signIn(ADMIN)).body as unknown as TokenBody;
    const claims = decodeJwt(tokens.token).payload as unknown as Claims;
    const revocation = row(claims);
    await knex('revocations').insert({ ...revocation, expires_at: new Date(Date.now() + 60_000) });
    try {
      const refused = await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${tokens.refreshToken}`, { token: tokens.token });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ ok: false, error: 'invalid_auth', message: 'The access token is not valid.' });
      expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      // The Bearer is refused first, whatever the refresh token: malformed, or someone else's.
      const malformed = await call(gatehouse.url, 'GET', '/v2/auth/token?refreshToken=not-a-refresh-token', { token: tokens.token });
      expect(malformed.body).toMatchObject({ ok: false, error: 'invalid_auth' });
      const unknown = await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${claims.sub}.${'0'.repeat(80)}`, { token: tokens.token });
      expect(unknown.body).toMatchObject({ ok: false, error: 'invalid_auth' });
    } finally {
      await knex('revocations').where({ kind: revocation.kind, subject: revocation.subject }).delete();
    }
    // The refresh token was not consumed by the refusals: with the revocation gone it still works.
    const after = await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${tokens.refreshToken}`, { token: tokens.token });
    expect(after.status).toBe(200);
  });

  it('does not count a revocation that has expired, or a cut-off from before the Bearer was issued', async () => {
    const knex = gatehouse.runtime.db.knex;
    const tokens = (await signIn(ADMIN)).body as unknown as TokenBody;
    const claims = decodeJwt(tokens.token).payload as unknown as Claims;
    const rows = [
      { kind: 'token', subject: claims.jti, not_before: null, expires_at: new Date(Date.now() - 1_000) },
      { kind: 'user', subject: claims.sub, not_before: new Date(claims.iat * 1000), expires_at: new Date(Date.now() + 60_000) },
    ];
    await knex('revocations').insert(rows);
    try {
      const refreshed = await call(gatehouse.url, 'GET', `/v2/auth/token?refreshToken=${tokens.refreshToken}`, { token: tokens.token });
      expect(refreshed.status).toBe(200);
    } finally {
      for (const r of rows) await knex('revocations').where({ kind: r.kind, subject: r.subject }).delete();
    }
  });

  it('gives the same 401 invalid_credentials for a wrong password, an unknown email and a disabled user', async () => {
    const knex = gatehouse.runtime.db.knex;
    const user = await insertUser(knex, { email: 'gone@example.test', passwordHash: await hashPassword('gone-password'), name: 'Gone' });
    await insertMembership(knex, { userId: user.id, organizationId: orgId, role: 'agent' });
    await knex('users').where({ id: user.id }).update({ disabled_at: new Date() });

    const answers = await Promise.all([
      signIn({ email: ADMIN.email, password: 'wrong-password' }),
      signIn({ email: 'nobody@example.test', password: 'whatever-password' }),
      signIn({ email: 'gone@example.test', password: 'gone-password' }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      const { request_id: _ignored, ...rest } = answer.body;
      expect(rest).toEqual({ ok: false, error: 'invalid_credentials', message: 'The email or password is not correct.' });
    }
  });

  it('answers 415, 400 validation_failed and 405 for malformed requests, never 500', async () => {
    const text = await call(gatehouse.url, 'POST', '/v2/auth/token', { rawBody: 'email=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(text.status).toBe(415);
    expect(text.body.error).toBe('unsupported_media_type');

    const missing = await signIn({ email: ADMIN.email });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'validation_failed', details: { fields: [{ field: 'password' }] } });

    const unknown = await signIn({ ...ADMIN, grant_type: 'password' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'validation_failed', details: { fields: [{ field: 'grant_type', message: 'is not a known field' }] } });

    const wrongType = await signIn({ email: ['a'], password: 1 });
    expect(wrongType.status).toBe(400);

    const notJson = await call(gatehouse.url, 'POST', '/v2/auth/token', { rawBody: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toBe('invalid_request');

    const noRefresh = await call(gatehouse.url, 'GET', '/v2/auth/token');
    expect(noRefresh.status).toBe(400);
    expect(noRefresh.body.error).toBe('validation_failed');

    const noBearer = await call(gatehouse.url, 'GET', '/v2/auth/token?refreshToken=x');
    expect(noBearer.status).toBe(401);
    expect(noBearer.headers.get('www-authenticate')).toBe('Bearer');

    const put = await call(gatehouse.url, 'PUT', '/v2/auth/token', { body: ADMIN });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');

    const malformedRefresh = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: 'not-a-token', clientId: ADMIN.email } });
    expect(malformedRefresh.status).toBe(401);
    expect(malformedRefresh.body.error).toBe('invalid_refresh_token');
  });

  it('works for bot users and picks the organization: the first joined by default, or the one asked for', async () => {
    const knex = gatehouse.runtime.db.knex;
    const second = await insertOrganization(knex, { name: 'Second org' });
    const bot = await insertUser(knex, { email: 'bot@example.test', passwordHash: await hashPassword('bot-password'), isBot: true });
    await insertMembership(knex, { userId: bot.id, organizationId: orgId, role: 'bot' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await insertMembership(knex, { userId: bot.id, organizationId: second.id, role: 'agent' });

    const byDefault = await signIn({ email: 'bot@example.test', password: 'bot-password' });
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.scope).toBe('bot');
    expect(decodeJwt(byDefault.body.token as string).payload.org).toBe(orgId);

    const chosen = await signIn({ email: 'bot@example.test', password: 'bot-password', organization: second.id });
    expect(chosen.body.scope).toBe('agent');
    expect(decodeJwt(chosen.body.token as string).payload.org).toBe(second.id);

    const foreign = await insertOrganization(knex, { name: 'Not a member' });
    const notMember = await signIn({ email: 'bot@example.test', password: 'bot-password', organization: foreign.id });
    expect(notMember.status).toBe(403);
  });

  it('refuses to refresh for a disabled user or a removed membership', async () => {
    const knex = gatehouse.runtime.db.knex;
    const user = await insertUser(knex, { email: 'leaver@example.test', passwordHash: await hashPassword('leaver-password') });
    await insertMembership(knex, { userId: user.id, organizationId: orgId, role: 'agent' });
    const tokens = (await signIn({ email: 'leaver@example.test', password: 'leaver-password' })).body as unknown as TokenBody;
    await knex('memberships').where({ user_id: user.id }).delete();
    const refused = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: tokens.refreshToken, clientId: 'leaver@example.test' } });
    expect(refused.status).toBe(401);

    await insertMembership(knex, { userId: user.id, organizationId: orgId, role: 'agent' });
    const again = (await signIn({ email: 'leaver@example.test', password: 'leaver-password' })).body as unknown as TokenBody;
    await knex('users').where({ id: user.id }).update({ disabled_at: new Date() });
    const disabled = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: again.refreshToken, clientId: 'leaver@example.test' } });
    expect(disabled.status).toBe(401);
  });

  it('treats a suspended membership as none: no sign-in into it, no refresh', async () => {
    const knex = gatehouse.runtime.db.knex;
    const user = await insertUser(knex, { email: 'suspended@example.test', passwordHash: await hashPassword('suspended-password') });
    await insertMembership(knex, { userId: user.id, organizationId: orgId, role: 'agent' });
    const tokens = (await signIn({ email: 'suspended@example.test', password: 'suspended-password' })).body as unknown as TokenBody;
    await knex('memberships').where({ user_id: user.id }).update({ disabled_at: new Date() });
    const refused = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: tokens.refreshToken, clientId: 'suspended@example.test' } });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_refresh_token');
    const again = await signIn({ email: 'suspended@example.test', password: 'suspended-password' });
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('invalid_credentials');
  });

  it('throttles repeated failures for one email from one IP with 429 and Retry-After', async () => {
    const knex = gatehouse.runtime.db.knex;
    const user = await insertUser(knex, { email: 'target@example.test', passwordHash: await hashPassword('target-password') });
    await insertMembership(knex, { userId: user.id, organizationId: orgId, role: 'guest' });
    const max = gatehouse.runtime.config.TOKEN_API_MAX_FAILURES_PER_EMAIL_IP;
    for (let i = 0; i < max; i++) expect((await signIn({ email: 'target@example.test', password: `wrong-${i}` })).status).toBe(401);
    const blocked = await signIn({ email: 'target@example.test', password: 'target-password' });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another email from the same IP is not affected.
    expect((await signIn(ADMIN)).status).toBe(200);
  });

  it('is not advertised as an OAuth password grant', async () => {
    const discovery = await call(gatehouse.url, 'GET', '/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    expect(discovery.body.grant_types_supported).not.toContain('password');
    expect(JSON.stringify(discovery.body)).not.toContain('/v2/auth/token');
  });
});
