import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainCode, registerClient, tokenRequest } from './helpers/oauth.js';

// RFC 8252: a native app listens on a loopback port chosen at run time and has no secret.
describe('native (public) clients', () => {
  let gatehouse: TestGatehouse;
  let clientId: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    clientId = (await registerClient(gatehouse, { type: 'native', redirect_uris: ['http://127.0.0.1/callback'] })).client.id;
  });
  afterAll(() => gatehouse?.stop());

  it('accepts any loopback port, needs PKCE instead of a secret, and rotates its refresh token', async () => {
    const redirectUri = 'http://127.0.0.1:54321/callback';
    const { code, verifier } = await obtainCode(gatehouse, { clientId, redirectUri, scope: 'openid agent' });
    const tokens = await tokenRequest(gatehouse, { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeTruthy();
    const refreshed = await tokenRequest(gatehouse, { grant_type: 'refresh_token', client_id: clientId, refresh_token: tokens.body.refresh_token! });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(tokens.body.refresh_token);
  });

  it('refuses another host or path even on loopback', async () => {
    for (const uri of ['http://localhost:54321/callback', 'http://127.0.0.1:54321/other']) {
      const res = await fetch(`${gatehouse.url}/oauth2/authorize?${new URLSearchParams({
        client_id: clientId, redirect_uri: uri, response_type: 'code', scope: 'openid', state: 's',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      })}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('cannot present a secret it does not have', async () => {
    const { code, verifier } = await obtainCode(gatehouse, { clientId, redirectUri: 'http://127.0.0.1:1234/callback' });
    const res = await tokenRequest(gatehouse, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:1234/callback', code_verifier: verifier }, { id: clientId, secret: 'guess' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});
