import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, codeFlow, discover, loginAndConsent, obtainCode, registerClient } from './helpers/oauth.js';
import { UserAgent } from './helpers/user-agent.js';

/**
 * Issue 17, finding 4: lowering a client's max_role (PATCH /v2/clients/{id}) reaches every
 * issuance of its existing grants: refresh, code exchange, silent authorization, implicit.
 * The user is an admin throughout; only the client's cap changes, from admin to guest.
 */
describe('a lowered max_role caps every later issuance (issue 17)', () => {
  let gatehouse: TestGatehouse;
  let adminToken: string;
  const redirectUri = 'http://127.0.0.1:9999/cb';
  const spaRedirect = 'http://127.0.0.1:9998/spa.html';

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const console = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    adminToken = (await codeFlow(gatehouse, await discover(gatehouse, console.client.id, console.clientSecret), { redirectUri, scope: 'admin' })).tokens.access_token;
  });
  afterAll(() => gatehouse?.stop());

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gatehouse.url}/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as { ok: boolean; data: Record<string, unknown> };
  };
  /** A client of the admin's organization, registered through the API with the highest cap. */
  const createClient = async (type: 'web' | 'spa', redirect: string) => {
    const created = await api('POST', '/clients', { name: `App ${type}`, type, redirect_uris: [redirect], max_role: 'admin' });
    return { id: created.data.id as string, secret: created.data.client_secret as string | undefined };
  };
  // The redirect URI is sent again only because PATCH still applies create defaults to omitted
  // fields (issue 17, finding 7, fixed separately); the change under test is max_role.
  const lower = async (clientId: string, redirect: string) => {
    const patched = await api('PATCH', `/clients/${clientId}`, { max_role: 'guest', redirect_uris: [redirect] });
    expect(patched).toMatchObject({ ok: true, data: { max_role: 'guest' } });
  };
  const scopeOf = (token: string) => decodeJwt(token).scope;

  it('refresh', async () => {
    const client = await createClient('web', redirectUri);
    const config = await discover(gatehouse, client.id, client.secret);
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid admin' });
    expect(scopeOf(tokens.access_token)).toBe('admin openid');
    await lower(client.id, redirectUri);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect({ claim: scopeOf(refreshed.access_token), response: refreshed.scope }).toEqual({ claim: 'guest openid', response: 'guest' });
  });

  it('code exchange (a code obtained before the change)', async () => {
    const client = await createClient('web', redirectUri);
    const config = await discover(gatehouse, client.id, client.secret);
    const { location, verifier } = await obtainCode(gatehouse, { clientId: client.id, redirectUri, scope: 'openid admin' });
    await lower(client.id, redirectUri);
    const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: 'state-1' });
    expect({ claim: scopeOf(tokens.access_token), response: tokens.scope }).toEqual({ claim: 'guest openid', response: 'guest' });
  });

  it('silent authorization (prompt=none with the remembered consent)', async () => {
    const client = await createClient('web', redirectUri);
    const config = await discover(gatehouse, client.id, client.secret);
    const agent = new UserAgent(gatehouse.url);
    const first = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid admin', agent });
    expect(scopeOf(first.tokens.access_token)).toBe('admin openid');
    await lower(client.id, redirectUri);
    const silent = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid admin', agent, extra: { prompt: 'none' } });
    expect(scopeOf(silent.tokens.access_token)).toBe('guest openid');
  });

  it('implicit, both response types, silently after the change', async () => {
    const client = await createClient('spa', spaRedirect);
    const authorize = (params: Record<string, string>) => `${gatehouse.url}/oauth2/authorize?${new URLSearchParams({ client_id: client.id, redirect_uri: spaRedirect, state: 's', ...params })}`;
    const fragment = (location: string | undefined) => new URLSearchParams(new URL(location!).hash.slice(1));
    const agent = new UserAgent(gatehouse.url);
    const first = await loginAndConsent(agent, authorize({ response_type: 'id_token token', scope: 'openid admin', nonce: 'n-0' }), ADMIN);
    expect(scopeOf(fragment(first.location).get('access_token')!)).toBe('admin openid');
    await lower(client.id, spaRedirect);

    const plain = fragment((await agent.follow(authorize({ response_type: 'token', scope: 'admin', prompt: 'none' }))).location);
    expect({ claim: scopeOf(plain.get('access_token')!), response: plain.get('scope') }).toEqual({ claim: 'guest', response: 'guest' });
    const oidcImplicit = fragment((await agent.follow(authorize({ response_type: 'id_token token', scope: 'openid admin', prompt: 'none', nonce: 'n-1' }))).location);
    expect(scopeOf(oidcImplicit.get('access_token')!)).toBe('guest openid');
  });
});
