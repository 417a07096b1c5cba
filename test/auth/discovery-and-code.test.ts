import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { codeFlow, defaultOrganizationId, discover, registerClient } from './helpers/oauth.js';

describe('discovery, authorization code + PKCE through the real pages, JWT access tokens', () => {
  let gatehouse: TestGatehouse;
  const redirectUri = 'http://127.0.0.1:9999/callback';
  let clientId: string;
  let clientSecret: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const created = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    clientId = created.client.id;
    clientSecret = created.clientSecret!;
  });
  afterAll(() => gatehouse?.stop());

  it('publishes discovery with the issuer and /oauth2 endpoints', async () => {
    const res = await fetch(`${gatehouse.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(gatehouse.url);
    expect(doc.authorization_endpoint).toBe(`${gatehouse.url}/oauth2/authorize`);
    expect(doc.token_endpoint).toBe(`${gatehouse.url}/oauth2/token`);
    expect(doc.jwks_uri).toBe(`${gatehouse.url}/oauth2/jwks`);
    expect(doc.userinfo_endpoint).toBe(`${gatehouse.url}/oauth2/userinfo`);
    expect(doc.introspection_endpoint).toBe(`${gatehouse.url}/oauth2/introspect`);
    expect(doc.revocation_endpoint).toBe(`${gatehouse.url}/oauth2/revoke`);
    expect(doc.end_session_endpoint).toBe(`${gatehouse.url}/oauth2/logout`);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('runs code + PKCE with login and consent pages, and the tokens verify against the JWKS', async () => {
    const config = await discover(gatehouse, clientId, clientSecret);
    const { tokens, callback } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid email profile admin' });
    expect(new URL(callback).searchParams.get('iss')).toBe(gatehouse.url);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.refresh_token).toBeTruthy();

    const jwks = createRemoteJWKSet(new URL(`${gatehouse.url}/oauth2/jwks`));
    const { payload: idToken } = await jwtVerify(tokens.id_token!, jwks, { issuer: gatehouse.url, audience: clientId });
    expect(idToken.email).toBe('admin@example.test');

    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer: gatehouse.url, audience: gatehouse.runtime.config.API_AUDIENCE, typ: 'at+jwt', algorithms: ['ES256'],
    });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'client_id', 'exp', 'gid', 'iat', 'iss', 'jti', 'org', 'scope', 'sub'].sort());
    expect(payload.scope).toBe('admin openid email profile');
    expect(payload.client_id).toBe(clientId);
    expect(payload.org).toBe(await defaultOrganizationId(gatehouse));
    expect(payload.sub).toBe(idToken.sub);
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('serves userinfo for the JWT access token', async () => {
    const config = await discover(gatehouse, clientId, clientSecret);
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid email' });
    const sub = tokens.claims()!.sub;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    expect(info).toMatchObject({ sub, email: 'admin@example.test' });
  });
});
