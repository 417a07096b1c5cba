import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { introspect, obtainCode, registerClient, tokenRequest } from './helpers/oauth.js';
import { UserAgent } from './helpers/user-agent.js';

// Modelled on the OpenID conformance suite's Basic and Implicit plans.
describe('negative protocol behaviour', () => {
  let gatehouse: TestGatehouse;
  const redirectUri = 'http://127.0.0.1:9999/cb';
  let web: { id: string; secret: string };
  let other: { id: string; secret: string };
  let spa: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const a = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri, 'http://127.0.0.1:9999/other'] });
    web = { id: a.client.id, secret: a.clientSecret! };
    const b = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    other = { id: b.client.id, secret: b.clientSecret! };
    spa = (await registerClient(gatehouse, { type: 'spa', redirect_uris: ['http://127.0.0.1:9998/app'] })).client.id;
  });
  afterAll(() => gatehouse?.stop());

  const authorizeUrl = (params: Record<string, string>) => `${gatehouse.url}/oauth2/authorize?${new URLSearchParams(params)}`;
  const base = () => ({ client_id: web.id, response_type: 'code', scope: 'openid', state: 's1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });

  it.each([
    ['unregistered', 'http://127.0.0.1:9999/evil'],
    ['trailing slash', 'http://127.0.0.1:9999/cb/'],
    ['different case', 'http://127.0.0.1:9999/CB'],
    ['extra query', 'http://127.0.0.1:9999/cb?x=1'],
    ['userinfo @', 'http://attacker.example@127.0.0.1:9999/cb'],
    ['host via @', 'http://127.0.0.1:9999@attacker.example/cb'],
  ])('shows the error page and never redirects for a %s redirect_uri', async (_label, uri) => {
    const res = await new UserAgent(gatehouse.url).request(authorizeUrl({ ...base(), redirect_uri: uri }));
    expect(res.status).toBe(400);
    expect(res.location).toBeUndefined();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.body).toContain('data-error="invalid_redirect_uri"');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('answers a missing response_type with invalid_request in the query of the registered redirect_uri', async () => {
    // The conformance suite accepts an error page or this redirect; the redirect_uri is registered.
    const { response_type: _omit, ...params } = base();
    const res = await new UserAgent(gatehouse.url).request(authorizeUrl({ ...params, redirect_uri: redirectUri }));
    expect(res.status).toBe(303);
    const location = new URL(res.location!);
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toBe("missing required parameter 'response_type'");
    expect(location.hash).toBe('');
  });

  it('answers prompt=none without a session with login_required and iss', async () => {
    const res = await new UserAgent(gatehouse.url).request(authorizeUrl({ ...base(), redirect_uri: redirectUri, prompt: 'none' }));
    expect(res.status).toBe(303);
    const location = new URL(res.location!);
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('iss')).toBe(gatehouse.url);
  });

  it('ignores unknown parameters', async () => {
    const { code, location } = await obtainCode(gatehouse, { clientId: web.id, redirectUri, params: { unknown_param: 'x', foo: 'bar' } });
    expect(code).toBeTruthy();
    expect(location.searchParams.get('iss')).toBe(gatehouse.url);
  });

  it('forces a new login with prompt=login and max_age=0', async () => {
    const { agent } = await obtainCode(gatehouse, { clientId: web.id, redirectUri });
    // Signed in now: a plain request goes straight back with a code.
    const silent = await agent.follow(authorizeUrl({ ...base(), redirect_uri: redirectUri }));
    expect(new URL(silent.location!).searchParams.get('code')).toBeTruthy();
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Array<Record<string, string>>) {
      const page = await agent.follow(authorizeUrl({ ...base(), redirect_uri: redirectUri, ...extra }));
      expect(page.status).toBe(200);
      expect(page.body).toContain('name="password"');
      expect(page.body).toContain('Please sign in again');
    }
  });

  it('redeems a code once; a second redemption is invalid_grant and revokes the first tokens', async () => {
    const { code, verifier } = await obtainCode(gatehouse, { clientId: web.id, redirectUri });
    const body = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier };
    const first = await tokenRequest(gatehouse, body, web);
    expect(first.status).toBe(200);
    const second = await tokenRequest(gatehouse, body, web);
    expect(second).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } });
    expect(await introspect(gatehouse, first.body.access_token!, web)).toEqual({ active: false });
    const refresh = await tokenRequest(gatehouse, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token! }, web);
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('gives exactly one success to 20 concurrent redemptions of one code', async () => {
    const { code, verifier } = await obtainCode(gatehouse, { clientId: web.id, redirectUri });
    const body = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier };
    const results = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(gatehouse, body, web)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(19);
    // The replays revoked the grant, whenever they ran against the winner's issuance.
    expect(await introspect(gatehouse, winners[0]!.body.access_token!, web)).toEqual({ active: false });
    const refresh = await tokenRequest(gatehouse, { grant_type: 'refresh_token', refresh_token: winners[0]!.body.refresh_token! }, web);
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('refuses a code redeemed by another client or with another redirect_uri', async () => {
    const a = await obtainCode(gatehouse, { clientId: web.id, redirectUri });
    const byOther = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code: a.code, redirect_uri: redirectUri, code_verifier: a.verifier }, other);
    expect(byOther.status).toBe(400);
    expect(byOther.body.error).toBe('invalid_grant');
    const b = await obtainCode(gatehouse, { clientId: web.id, redirectUri });
    const moved = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code: b.code, redirect_uri: 'http://127.0.0.1:9999/other', code_verifier: b.verifier }, web);
    expect(moved.status).toBe(400);
    expect(moved.body.error).toBe('invalid_grant');
  });

  it('requires PKCE S256: missing, plain, wrong verifier and downgrade are refused', async () => {
    const agent = new UserAgent(gatehouse.url);
    const { code_challenge: _c, code_challenge_method: _m, ...noPkce } = base();
    for (const client of [web.id, spa]) {
      const uri = client === spa ? 'http://127.0.0.1:9998/app' : redirectUri;
      const res = await agent.request(authorizeUrl({ ...noPkce, client_id: client, redirect_uri: uri }));
      const location = new URL(res.location!);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toBe('Authorization Server policy requires PKCE to be used for this request');
    }
    const plain = await agent.request(authorizeUrl({ ...base(), redirect_uri: redirectUri, code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) }));
    expect(new URL(plain.location!).searchParams.get('error_description')).toBe('not supported value of code_challenge_method');

    const wrong = await obtainCode(gatehouse, { clientId: web.id, redirectUri });
    const wrongResult = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code: wrong.code, redirect_uri: redirectUri, code_verifier: 'b'.repeat(43) }, web);
    expect(wrongResult.body.error).toBe('invalid_grant');
    const downgrade = await obtainCode(gatehouse, { clientId: web.id, redirectUri });
    const downgradeResult = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code: downgrade.code, redirect_uri: redirectUri }, web);
    expect(downgradeResult.body.error).toBe('invalid_grant');
  });
});

describe('odd input to the auth server', () => {
  let gatehouse: TestGatehouse;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
  });
  afterAll(() => gatehouse?.stop());

  it('answers an interaction without its cookie with the error page', async () => {
    const res = await fetch(`${gatehouse.url}/interaction/made-up`);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('data-error="invalid_request"');
    expect(body).toContain('interaction session id cookie not found');
  });

  it('keeps the OAuth error shape for oversized and non-form token requests', async () => {
    const big = await fetch(`${gatehouse.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=${'a'.repeat(20_000)}` });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: 'invalid_request', error_description: 'request body too large' });
    const json = await fetch(`${gatehouse.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
    expect(json.status).toBe(400);
    expect((await json.json()) as object).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses an unsigned (alg none) JWT at userinfo', async () => {
    const none = 'eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.';
    const info = await fetch(`${gatehouse.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${none}` } });
    expect(info.status).toBe(401);
    expect(await info.json()).toMatchObject({ error: 'invalid_token' });
  });
});
