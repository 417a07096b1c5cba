import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, defaultOrganizationId, discover, loginAndConsent, registerClient } from './helpers/oauth.js';
import { UserAgent } from './helpers/user-agent.js';

describe('implicit grant for SPAs (both response types) and client credentials', () => {
  let gatehouse: TestGatehouse;
  let spaId: string;
  const spaRedirect = 'http://127.0.0.1:9998/spa.html';

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { IMPLICIT_ACCESS_TOKEN_TTL_SECONDS: 600 } });
    spaId = (await registerClient(gatehouse, { type: 'spa', redirect_uris: [spaRedirect] })).client.id;
  });
  afterAll(() => gatehouse?.stop());

  const authorize = (params: Record<string, string>) => `${gatehouse.url}/oauth2/authorize?${new URLSearchParams({ client_id: spaId, redirect_uri: spaRedirect, ...params })}`;
  const fragment = (location: string) => new URLSearchParams(new URL(location).hash.slice(1));

  it('answers response_type=token exactly as RFC 6749 §4.2.2, with a short-lived JWT and no refresh token', async () => {
    const step = await loginAndConsent(new UserAgent(gatehouse.url), authorize({ response_type: 'token', scope: 'agent', state: 'st-1' }), ADMIN);
    expect(step.status).toBe(303);
    expect(step.location!.startsWith(`${spaRedirect}#`)).toBe(true);
    const params = fragment(step.location!);
    expect(params.get('token_type')).toBe('Bearer');
    expect(params.get('expires_in')).toBe('600');
    expect(params.get('state')).toBe('st-1');
    expect(params.get('scope')).toBe('agent');
    expect(params.has('refresh_token')).toBe(false);
    expect(params.has('code')).toBe(false);
    expect(new URL(step.location!).search).toBe('');
    const jwks = createRemoteJWKSet(new URL(`${gatehouse.url}/oauth2/jwks`));
    const { payload } = await jwtVerify(params.get('access_token')!, jwks, { issuer: gatehouse.url, audience: gatehouse.runtime.config.API_AUDIENCE, typ: 'at+jwt' });
    expect(payload).toMatchObject({ scope: 'agent', client_id: spaId, org: await defaultOrganizationId(gatehouse) });
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('answers response_type=id_token token with an ID token bound to the nonce and a JWT access token', async () => {
    const step = await loginAndConsent(new UserAgent(gatehouse.url), authorize({ response_type: 'id_token token', scope: 'openid agent', state: 'st-2', nonce: 'n-123' }), ADMIN);
    const params = fragment(step.location!);
    expect(decodeJwt(params.get('id_token')!)).toMatchObject({ nonce: 'n-123', aud: spaId });
    expect(decodeJwt(params.get('access_token')!)).toMatchObject({ scope: 'agent openid', aud: gatehouse.runtime.config.API_AUDIENCE });
    expect(params.get('expires_in')).toBe('600');
    expect(params.has('refresh_token')).toBe(false);
  });

  it('requires a nonce for id_token token', async () => {
    const step = await loginAndConsent(new UserAgent(gatehouse.url), authorize({ response_type: 'id_token token', scope: 'openid', state: 'st-3' }), ADMIN);
    const params = fragment(step.location!);
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/nonce/);
    expect(params.get('state')).toBe('st-3');
  });

  it('refuses response_type=token for a client not registered for it, and in the query', async () => {
    const web = await registerClient(gatehouse, { type: 'web', redirect_uris: ['http://127.0.0.1:9997/cb'] });
    const agent = new UserAgent(gatehouse.url);
    const res = await agent.follow(`${gatehouse.url}/oauth2/authorize?${new URLSearchParams({ client_id: web.client.id, redirect_uri: 'http://127.0.0.1:9997/cb', response_type: 'token', scope: 'agent', state: 's' })}`);
    // The error travels where a token would have: in the fragment (RFC 6749 §4.2.2.1).
    expect(fragment(res.location!).get('error')).toBe('invalid_request');
    expect(fragment(res.location!).get('error_description')).toBe('requested response_type is not allowed for this client');
    expect(res.location).not.toContain('access_token');

    const inQuery = await agent.follow(authorize({ response_type: 'token', response_mode: 'query', scope: 'agent', state: 's' }));
    expect(inQuery.location ?? '').not.toContain('access_token');
    expect(inQuery.body + (inQuery.location ?? '')).toMatch(/unsupported_response_mode/);
  });

  it('never lets a client ask for the internal response mode directly', async () => {
    const step = await new UserAgent(gatehouse.url).follow(authorize({ response_type: 'none', response_mode: 'gatehouse.token_fragment', scope: 'agent', state: 's' }));
    expect(step.body + (step.location ?? '')).toMatch(/unsupported_response_mode/);
    expect(step.location ?? '').not.toContain('access_token');
  });

  describe('the internal response mode is unreachable by GET, by POST, and after a login (issue 17)', () => {
    const attack = (responseType: string) => ({
      client_id: spaId, redirect_uri: spaRedirect, response_type: responseType, response_mode: 'gatehouse.token_fragment', scope: 'agent', state: 'atk',
    });
    // What the browser ends on: the error in the fragment, and no token or code anywhere.
    const outcome = (step: { location?: string | undefined; status: number }) => {
      const location = step.location ?? '';
      const params = location.includes('#') ? fragment(location) : new URL(location || spaRedirect).searchParams;
      return { status: step.status, error: params.get('error'), token: location.includes('access_token'), code: params.has('code') };
    };
    const refused = { status: 303, error: 'unsupported_response_mode', token: false, code: false };
    // The authorization endpoint is GET only (configuration.ts), so a form body never reaches it.
    const post = async (agent: UserAgent, params: Record<string, string>) => {
      const step = await agent.follow(`${gatehouse.url}/oauth2/authorize`, { method: 'POST', body: new URLSearchParams(params), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return { status: step.status, token: step.body.includes('access_token') || (step.location ?? '').includes('access_token') };
    };
    const postRefused = { status: 404, token: false };

    it('GET and POST, without a session', async () => {
      for (const responseType of ['none', 'code', 'token']) {
        expect(outcome(await new UserAgent(gatehouse.url).follow(authorize(attack(responseType))))).toEqual(refused);
        expect(await post(new UserAgent(gatehouse.url), attack(responseType))).toEqual(postRefused);
      }
    });

    it('GET and POST, signed in with consent given (the login interaction is behind it)', async () => {
      const agent = new UserAgent(gatehouse.url);
      const signedIn = await loginAndConsent(agent, authorize({ response_type: 'token', scope: 'agent', state: 'ok' }), ADMIN);
      expect(fragment(signedIn.location!).has('access_token')).toBe(true);
      for (const responseType of ['none', 'code', 'token']) {
        expect(outcome(await agent.follow(authorize(attack(responseType))))).toEqual(refused);
        expect(await post(agent, attack(responseType))).toEqual(postRefused);
      }
    });

    it('a code request for a public client without PKCE is refused whatever the response mode', async () => {
      const step = await new UserAgent(gatehouse.url).follow(authorize({ response_type: 'code', scope: 'agent', state: 'c' }));
      const params = new URL(step.location!).searchParams;
      expect({ error: params.get('error'), description: params.get('error_description'), code: params.has('code') })
        .toEqual({ error: 'invalid_request', description: 'Authorization Server policy requires PKCE to be used for this request', code: false });
    });
  });

  it('issues client-credentials tokens capped at the service client registration', async () => {
    const service = await registerClient(gatehouse, { type: 'service', max_role: 'bot' });
    const config = await discover(gatehouse, service.client.id, service.clientSecret);
    const asked = await oidc.clientCredentialsGrant(config, { scope: 'admin' });
    const claims = decodeJwt(asked.access_token);
    expect(claims).toMatchObject({ sub: service.client.id, client_id: service.client.id, scope: 'bot', org: await defaultOrganizationId(gatehouse), aud: gatehouse.runtime.config.API_AUDIENCE });
    expect(asked.refresh_token).toBeUndefined();
    const lower = await oidc.clientCredentialsGrant(config, { scope: 'guest' });
    expect(decodeJwt(lower.access_token).scope).toBe('guest');
    const none = await oidc.clientCredentialsGrant(config);
    expect(decodeJwt(none.access_token).scope).toBe('bot');
    expect(await oidc.tokenIntrospection(config, none.access_token)).toMatchObject({ active: true, scope: 'bot' });
  });

  it('refuses client credentials with a wrong secret and for non-service clients', async () => {
    const service = await registerClient(gatehouse, { type: 'service' });
    const res = await fetch(`${gatehouse.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${service.client.id}:not-the-secret`).toString('base64')}` },
      body: 'grant_type=client_credentials&scope=bot',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    const web = await registerClient(gatehouse, { type: 'web', redirect_uris: ['https://app.example/cb'] });
    const webConfig = await discover(gatehouse, web.client.id, web.clientSecret);
    const refused = await oidc.clientCredentialsGrant(webConfig).catch((e: unknown) => e);
    // oidc-provider words it as invalid_request rather than RFC 6749's unauthorized_client.
    expect((refused as oidc.ResponseBodyError).error).toBe('invalid_request');
    expect((refused as oidc.ResponseBodyError).error_description).toBe('requested grant type is not allowed for this client');
  });
});
