import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, obtainCode, registerClient, tokenRequest } from './helpers/oauth.js';
import { UserAgent } from './helpers/user-agent.js';

describe('account page: apps you authorized', () => {
  let gatehouse: TestGatehouse;
  const redirectUri = 'http://127.0.0.1:9999/cb';

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
  });
  afterAll(() => gatehouse?.stop());

  it('signs in through the provider, lists the authorized app, and revokes it', async () => {
    const created = await registerClient(gatehouse, { type: 'web', name: 'Reporting app', redirect_uris: [redirectUri] });
    const web = { id: created.client.id, secret: created.clientSecret! };
    const agent = new UserAgent(gatehouse.url);
    const { code, verifier } = await obtainCode(gatehouse, { clientId: web.id, redirectUri, agent, scope: 'openid agent' });
    const tokens = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, web);
    const gid = decodeJwt(tokens.body.access_token!).gid as string;

    // Same browser: already signed in, so /account goes through the provider and back at once.
    const page = await agent.follow('/account');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Signed in as admin@example.test');
    expect(page.body).toContain('Reporting app');
    expect(page.body).toContain(`data-grant="${gid}"`);
    expect(page.body).not.toContain('Gatehouse account');

    const revoked = await agent.submit(page, {}, `/account/apps/${gid}/revoke`);
    expect(revoked.status).toBe(303);
    expect(revoked.location).toBe(`${gatehouse.url}/account?revoked=1#apps`);
    const after = await agent.follow(revoked.location!);
    expect(after.body).toContain('Access revoked');
    expect(after.body).not.toContain(`data-grant="${gid}"`);

    expect(await gatehouse.runtime.db.knex('revocations').where({ kind: 'grant', subject: gid })).toHaveLength(1);
    const refresh = await tokenRequest(gatehouse, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! }, web);
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('asks a visitor without a session to sign in first', async () => {
    const agent = new UserAgent(gatehouse.url);
    const login = await agent.follow('/account');
    expect(login.status).toBe(200);
    expect(login.body).toContain('Sign in to continue to Gatehouse account');
    const done = await agent.submit(login, ADMIN);
    const page = await agent.follow(done.location!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Apps you authorized');
  });

  it('refuses a revoke without the CSRF token, or for a grant of someone else', async () => {
    const agent = new UserAgent(gatehouse.url);
    await agent.follow('/account').then((login) => agent.submit(login, ADMIN)).then((s) => agent.follow(s.location!));
    const forged = await agent.request('/account/apps/whatever/revoke', { method: 'POST', body: 'csrf=nope', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(forged.status).toBe(403);
    const stranger = new UserAgent(gatehouse.url);
    const anonymous = await stranger.request('/account/apps/whatever/revoke', { method: 'POST', body: 'csrf=nope', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(anonymous.status).toBe(401);
  });
});
