import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/contract/index.js';
import { discover, registerClient } from '../auth/helpers/oauth.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';

// A client-credentials token names a service client, not a user: `sub` is the client id.
// Operations about "me" refuse it plainly; none may fail with a 5xx.
describe('a service client (client credentials) against every operation', () => {
  let gatehouse: TestGatehouse;
  let token: string;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const service = await registerClient(gatehouse, { type: 'service', max_role: 'admin' });
    const config = await discover(gatehouse, service.client.id, service.clientSecret!);
    token = (await oidc.clientCredentialsGrant(config, { scope: 'admin' })).access_token;
  });
  afterAll(() => gatehouse.stop());

  it('never gets a 5xx over RPC, whatever the operation', async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      // Path parameters only: anything else would be refused by validation before the handler runs.
      const params = Object.fromEntries([...operation.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, '00000000-0000-4000-8000-000000000000']));
      const res = await call(gatehouse.url, 'POST', `/v1/${operation.name}`, { token, body: params });
      if (res.status >= 500) failures.push(`${operation.name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(failures).toEqual([]);
  });

  it('lists only its own organization and is told that user-only operations need a user', async () => {
    const orgs = await call(gatehouse.url, 'GET', '/v2/organizations', { token });
    expect(orgs.status).toBe(200);
    expect((orgs.body.data as Array<{ id: string }>).map((o) => o.id)).toHaveLength(1);
    const me = await call(gatehouse.url, 'GET', '/v2/users/me', { token });
    expect(me.status).toBe(403);
    expect(me.body).toMatchObject({ ok: false, error: 'forbidden' });
    const key = await call(gatehouse.url, 'POST', '/v2/api-keys', { token, body: { name: 'x', scopes: ['guest'] } });
    expect(key.status).toBe(403);
    expect(key.body).toMatchObject({ ok: false, error: 'forbidden' });
  });
});
