import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { codeFlow, discover, registerClient } from './helpers/oauth.js';

// Revocations made by the auth server reach the gateway through the bus (issue 5 enforces them).
describe('revocations from the auth server are enforced at the gateway', () => {
  let gatehouse: TestGatehouse;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9999/cb';

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const web = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    config = await discover(gatehouse, web.client.id, web.clientSecret);
  });
  afterAll(() => gatehouse?.stop());

  const me = (token: string) => fetch(`${gatehouse.url}/v2/users/me`, { headers: { authorization: `Bearer ${token}` } });

  it('refresh-token reuse kills every access token of the grant at the gateway', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'openid agent' });
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await me(tokens.access_token)).status).toBe(200);
    expect((await me(rotated.access_token)).status).toBe(200);

    await oidc.refreshTokenGrant(config, tokens.refresh_token!).catch(() => undefined);
    await vi.waitFor(async () => {
      const res = await me(rotated.access_token);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_auth');
    }, { timeout: 3_000, interval: 100 });
    expect((await me(tokens.access_token)).status).toBe(401);
  });

  it('RFC 7009 revocation of an access token is enforced at the gateway', async () => {
    const { tokens } = await codeFlow(gatehouse, config, { redirectUri, scope: 'agent' });
    expect((await me(tokens.access_token)).status).toBe(200);
    await oidc.tokenRevocation(config, tokens.access_token);
    await vi.waitFor(async () => expect((await me(tokens.access_token)).status).toBe(401), { timeout: 3_000, interval: 100 });
  });
});
