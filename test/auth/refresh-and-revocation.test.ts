import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_CHANNEL } from '../../src/db/revocations.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { codeFlow, createUser, defaultOrganizationId, discover, registerClient } from './helpers/oauth.js';

describe('refresh rotation, reuse detection, introspection, revocation, logout', () => {
  let gatehouse: TestGatehouse;
  let config: oidc.Configuration;
  let clientId: string;
  let clientSecret: string;
  const redirectUri = 'http://127.0.0.1:9999/cb';
  const published: unknown[] = [];

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    gatehouse.runtime.bus.subscribe(REVOCATION_CHANNEL, (m) => published.push(m));
    const created = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri], post_logout_redirect_uris: ['http://127.0.0.1:9999/bye'] });
    clientId = created.client.id;
    clientSecret = created.clientSecret!;
    config = await discover(gatehouse, clientId, clientSecret);
  });
  afterAll(() => gatehouse?.stop());

  const revocationRows = (kind: string, subject: string) => gatehouse.runtime.db.knex('revocations').where({ kind, subject });

  it('rotates the refresh token on every use and revokes the whole grant when a rotated one comes back', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid agent' });
    const gid = decodeJwt(tokens.access_token).gid as string;
    const first = tokens.refresh_token!;
    const second = await oidc.refreshTokenGrant(config, first);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first);
    expect(decodeJwt(second.access_token)).toMatchObject({ scope: 'agent openid', gid });
    const third = await oidc.refreshTokenGrant(config, second.refresh_token!);

    // The first token again: refused, and everything of the grant goes.
    const reuse = await oidc.refreshTokenGrant(config, first).catch((e: unknown) => e);
    expect(reuse).toBeInstanceOf(oidc.ResponseBodyError);
    expect((reuse as oidc.ResponseBodyError).error).toBe('invalid_grant');
    const latest = await oidc.refreshTokenGrant(config, third.refresh_token!).catch((e: unknown) => e);
    expect((latest as oidc.ResponseBodyError).error).toBe('invalid_grant');
    expect(await revocationRows('grant', gid)).toHaveLength(1);
    expect(published).toContainEqual(expect.objectContaining({ kind: 'grant', subject: gid }));
    expect(await oidc.tokenIntrospection(config, third.access_token)).toEqual({ active: false });
  });

  it('never refreshes above the user’s current role, and not at all once they left the organization', async () => {
    const org = await defaultOrganizationId(gatehouse);
    const user = await createUser(gatehouse, [{ organizationId: org, role: 'admin' }]);
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid admin', user });
    expect(decodeJwt(tokens.access_token).scope).toBe('admin openid');
    const knex = gatehouse.runtime.db.knex;
    await knex('memberships').where({ user_id: user.id, organization_id: org }).update({ role: 'agent' });
    const demoted = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(decodeJwt(demoted.access_token).scope).toBe('agent openid');
    await knex('memberships').where({ user_id: user.id, organization_id: org }).delete();
    const gone = await oidc.refreshTokenGrant(config, demoted.refresh_token!).catch((e: unknown) => e);
    expect((gone as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('does not refresh for a suspended membership', async () => {
    const org = await defaultOrganizationId(gatehouse);
    const user = await createUser(gatehouse, [{ organizationId: org, role: 'agent' }]);
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid agent', user });
    await gatehouse.runtime.db.knex('memberships').where({ user_id: user.id, organization_id: org }).update({ disabled_at: new Date() });
    const suspended = await oidc.refreshTokenGrant(config, tokens.refresh_token!).catch((e: unknown) => e);
    expect((suspended as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('introspects JWT access tokens (RFC 7662) and refresh tokens', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid bot' });
    const at = await oidc.tokenIntrospection(config, tokens.access_token);
    const claims = decodeJwt(tokens.access_token);
    expect(at).toMatchObject({ active: true, client_id: clientId, scope: 'bot openid', sub: claims.sub, jti: claims.jti, exp: claims.exp, org: claims.org, token_type: 'Bearer' });
    const rt = await oidc.tokenIntrospection(config, tokens.refresh_token!);
    expect(rt).toMatchObject({ active: true, client_id: clientId, scope: 'openid bot' });
    expect(await oidc.tokenIntrospection(config, tokens.access_token.slice(0, -4) + 'AAAA')).toEqual({ active: false });
  });

  it('refuses introspection without valid client authentication', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid bot' });
    const res = await fetch(`${gatehouse.url}/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:wrong`).toString('base64')}` },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('revokes an access token by jti (RFC 7009) and publishes it', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid guest' });
    await oidc.tokenRevocation(config, tokens.access_token);
    const jti = decodeJwt(tokens.access_token).jti!;
    expect(await revocationRows('token', jti)).toHaveLength(1);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    // The refresh token still works: revoking an access token does not end the grant.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).resolves.toBeTruthy();
  });

  it('revoking a refresh token revokes its grant, access tokens included', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid agent' });
    const gid = decodeJwt(tokens.access_token).gid as string;
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    expect(await revocationRows('grant', gid)).toHaveLength(1);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    const again = await oidc.refreshTokenGrant(config, tokens.refresh_token!).catch((e: unknown) => e);
    expect((again as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('ends the session with RP-initiated logout', async () => {
    const { tokens, agent } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid' });
    const url = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9999/bye', state: 'xyz' });
    const confirm = await agent.follow(url.href);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Sign out');
    const done = await agent.submit(confirm, { logout: 'yes' }, '/oauth2/logout');
    const final = done.location && done.location.startsWith(gatehouse.url) ? await agent.follow(done.location) : done;
    expect(final.location).toBe('http://127.0.0.1:9999/bye?state=xyz');
    // The session is gone: prompt=none now answers login_required.
    const silent = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', prompt: 'none', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state: 's' });
    const res = await agent.follow(silent.href);
    expect(new URL(res.location!).searchParams.get('error')).toBe('login_required');
  });
});
