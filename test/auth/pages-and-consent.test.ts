import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../src/db/accounts.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, createUser, defaultOrganizationId, obtainCode, registerClient, tokenRequest } from './helpers/oauth.js';
import { UserAgent } from './helpers/user-agent.js';

describe('login and consent pages', () => {
  let gatehouse: TestGatehouse;
  const redirectUri = 'http://127.0.0.1:9999/cb';
  let web: { id: string; secret: string };
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { LOGIN_MAX_FAILURES_PER_EMAIL_IP: 3 } });
    const created = await registerClient(gatehouse, { type: 'web', name: 'Acme <Helpdesk>', redirect_uris: [redirectUri] });
    web = { id: created.client.id, secret: created.clientSecret! };
    orgA = await defaultOrganizationId(gatehouse);
    orgB = (await insertOrganization(gatehouse.runtime.db.knex, { name: 'Second org' })).id;
  });
  afterAll(() => gatehouse?.stop());

  const authorize = (params: Record<string, string> = {}) => `${gatehouse.url}/oauth2/authorize?${new URLSearchParams({
    client_id: web.id, redirect_uri: redirectUri, response_type: 'code', scope: 'openid admin', state: 's',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...params,
  })}`;

  async function toConsent(user: { email: string; password: string }, params: Record<string, string> = {}) {
    const agent = new UserAgent(gatehouse.url);
    const login = await agent.follow(authorize(params));
    const afterLogin = await agent.submit(login, { email: user.email, password: user.password });
    expect(afterLogin.status).toBe(303);
    return { agent, page: await agent.follow(afterLogin.location!) };
  }

  it('sends security headers and HttpOnly SameSite cookies with the login page', async () => {
    const agent = new UserAgent(gatehouse.url);
    const first = await agent.request(authorize());
    expect(first.status).toBe(303);
    const cookies = first.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/httponly/i);
      expect(cookie).toMatch(/samesite=lax/i);
      expect(cookie).not.toMatch(/secure/i);
    }
    const page = await agent.follow(first.location!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.body).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);
    expect(page.body).toContain('name="csrf"');
  });

  it('gives the same answer for unknown email, wrong password and a disabled user', async () => {
    const disabled = await createUser(gatehouse, [{ organizationId: orgA, role: 'agent' }]);
    await gatehouse.runtime.db.knex('users').where({ id: disabled.id }).update({ disabled_at: new Date() });
    const answers = [];
    for (const [email, password] of [['nobody@example.test', 'whatever-1'], [ADMIN.email, 'wrong-password'], [disabled.email, disabled.password]]) {
      const agent = new UserAgent(gatehouse.url);
      const login = await agent.follow(authorize());
      const res = await agent.submit(login, { email: email!, password: password! });
      answers.push({ status: res.status, message: /<p class="error" role="alert">([^<]*)</.exec(res.body)?.[1] });
    }
    expect(answers).toEqual(Array(3).fill({ status: 401, message: 'Invalid email or password.' }));
  });

  it('refuses a login form without the CSRF token of its interaction', async () => {
    const agent = new UserAgent(gatehouse.url);
    const login = await agent.follow(authorize());
    const res = await agent.submit(login, { email: ADMIN.email, password: ADMIN.password, csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(res.body).toContain('data-error="forbidden"');
  });

  it('throttles repeated failures for one email from one IP, without affecting other emails', async () => {
    const victim = await createUser(gatehouse, [{ organizationId: orgA, role: 'agent' }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const agent = new UserAgent(gatehouse.url);
      const login = await agent.follow(authorize());
      statuses.push((await agent.submit(login, { email: victim.email, password: 'wrong-password' })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    const agent = new UserAgent(gatehouse.url);
    const login = await agent.follow(authorize());
    const blocked = await agent.submit(login, { email: victim.email, password: victim.password });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await createUser(gatehouse, [{ organizationId: orgA, role: 'agent' }]);
    const fine = await (async () => { const a = new UserAgent(gatehouse.url); return a.submit(await a.follow(authorize()), { email: other.email, password: other.password }); })();
    expect(fine.status).toBe(303);
  });

  it('shows the downgraded role and lets the user pick the organization', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgA, role: 'admin' }, { organizationId: orgB, role: 'agent' }]);
    const { agent, page } = await toConsent(user);
    expect(page.body).toContain('Acme &lt;Helpdesk&gt; wants to access your account');
    expect(page.body).toContain('<select id="organization" name="organization">');
    expect(page.body).toContain('data-scope="admin"');
    const done = await agent.submit(page, { decision: 'allow', organization: orgB });
    expect(done.status).toBe(303);
    const back = await agent.follow(done.location!);
    const code = new URL(back.location!).searchParams.get('code')!;
    const tokens = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' }, web);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.access_token!)).toMatchObject({ org: orgB, scope: 'agent openid' });
    expect(tokens.body.scope).toBe('agent');
  });

  it('states the downgrade on the consent page for a user whose role is below the request', async () => {
    const agentUser = await createUser(gatehouse, [{ organizationId: orgA, role: 'agent' }]);
    const { page } = await toConsent(agentUser);
    expect(page.body).toContain('data-downgrade="agent"');
    expect(page.body).toContain('data-scope="agent"');
    expect(page.body).not.toContain('data-scope="admin"');
    expect(page.body).not.toContain('<select');
  });

  it('sends access_denied to the client when the user denies', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgA, role: 'agent' }]);
    const { agent, page } = await toConsent(user);
    const denied = await agent.submit(page, { decision: 'deny' });
    expect(denied.status).toBe(303);
    const back = await agent.follow(denied.location!);
    const location = new URL(back.location!);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('s');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('remembers consent per client and scope set, and asks again for more', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgA, role: 'bot' }]);
    const first = await obtainCode(gatehouse, { clientId: web.id, redirectUri, scope: 'openid bot', user });
    // A new browser, same user: logs in, no consent page.
    const again = await obtainCode(gatehouse, { clientId: web.id, redirectUri, scope: 'openid bot', user });
    expect(again.code).toBeTruthy();
    const agent = first.agent;
    const silent = await agent.follow(authorize({ scope: 'openid bot' }));
    expect(new URL(silent.location!).searchParams.get('code')).toBeTruthy();
    // Asking for no role after consenting to one: the token carries the consented role.
    const noRole = await agent.follow(authorize({ scope: 'openid' }));
    const noRoleCode = new URL(noRole.location!).searchParams.get('code')!;
    const noRoleTokens = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code: noRoleCode, redirect_uri: redirectUri, code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' }, web);
    expect(decodeJwt(noRoleTokens.body.access_token!).scope).toBe('bot openid');
    const forced = await agent.follow(authorize({ scope: 'openid bot', prompt: 'consent' }));
    expect(forced.status).toBe(200);
    expect(forced.body).toContain('wants to access your account');
    const more = await agent.follow(authorize({ scope: 'openid bot email' }));
    expect(more.status).toBe(200);
    expect(more.body).toContain('data-scope="email"');
  });

  it('lets a disabled user’s refresh tokens fail', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgA, role: 'agent' }]);
    const { code, verifier } = await obtainCode(gatehouse, { clientId: web.id, redirectUri, user });
    const tokens = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, web);
    await gatehouse.runtime.db.knex('users').where({ id: user.id }).update({ disabled_at: new Date() });
    const refresh = await tokenRequest(gatehouse, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! }, web);
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
  });
});
