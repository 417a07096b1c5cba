import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, registerClient } from './helpers/oauth.js';

// Issue 13's findings, sent as a new user's client libraries and fuzzers sent them, through the
// gateway. Each answer is a 4xx in its endpoint's own format, never a 500; the expectations are
// literal.

interface Case {
  name: string;
  path: string;
  method?: 'GET' | 'POST' | 'DELETE';
  form?: string;
  json?: string;
  basic?: boolean;
  bearer?: boolean;
  status: number;
  body: Record<string, unknown>;
}

describe('hostile input at the auth server and the API (issue 13)', () => {
  let gatehouse: TestGatehouse;
  let service: { id: string; secret: string };
  let token: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const created = await registerClient(gatehouse, { type: 'service', max_role: 'bot' });
    service = { id: created.client.id, secret: created.clientSecret! };
    const signIn = await fetch(`${gatehouse.url}/v2/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN),
    });
    token = ((await signIn.json()) as { token: string }).token;
  }, 60_000);
  afterAll(() => gatehouse?.stop());

  const nulRefused = { error: 'invalid_request', error_description: 'NUL characters are not allowed in a request.' };
  const cases: Case[] = [
    { name: 'NUL in client_id at the authorization endpoint', path: '/oauth2/authorize?client_id=a%00b&response_type=code&redirect_uri=https%3A%2F%2Fx.example%2Fcb', status: 400, body: nulRefused },
    { name: 'a raw-escaped NUL in the query', path: '/oauth2/authorize?client_id=x&state=%00', status: 400, body: nulRefused },
    { name: 'NUL in client_id at the token endpoint', path: '/oauth2/token', form: 'grant_type=client_credentials&client_id=a%00b&client_secret=x', status: 400, body: nulRefused },
    { name: 'NUL in the token to introspect', path: '/oauth2/introspect', form: 'token=a%00b', basic: true, status: 400, body: nulRefused },
    { name: 'NUL in the token to revoke', path: '/oauth2/revoke', form: 'token=a%00b', basic: true, status: 400, body: nulRefused },
    {
      name: 'NUL in the email of the first-party token API', path: '/v2/auth/token', json: '{"email":"a\\u0000b@example.com","password":"long enough"}', status: 400,
      body: { ok: false, error: 'invalid_request', message: 'NUL characters are not allowed in a request.' },
    },
    {
      name: 'DELETE on /users/me, which exists for GET and PATCH', path: '/v2/users/me', method: 'DELETE', bearer: true, status: 405,
      body: { ok: false, error: 'method_not_allowed' },
    },
    {
      name: 'GET on /invitations/accept, which exists for POST', path: '/v2/invitations/accept', status: 405,
      body: { ok: false, error: 'method_not_allowed' },
    },
    {
      name: 'a client with a javascript: redirect URI names the field', path: '/v2/clients', bearer: true, status: 400,
      json: '{"name":"x","type":"web","redirect_uris":["javascript:alert(1)"]}',
      body: { ok: false, error: 'validation_failed', details: { fields: [{ field: 'redirect_uris', message: '"javascript:alert(1)" uses the forbidden javascript scheme' }] } },
    },
  ];

  it.each(cases)('$name → $status', async (c) => {
    const headers: Record<string, string> = {};
    if (c.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (c.json !== undefined) headers['content-type'] = 'application/json';
    if (c.basic) headers.authorization = `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}`;
    if (c.bearer) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${gatehouse.url}${c.path}`, {
      method: c.method ?? (c.form !== undefined || c.json !== undefined ? 'POST' : 'GET'),
      headers,
      body: c.form ?? c.json,
      redirect: 'manual',
    });
    expect(res.status).toBe(c.status);
    expect(await res.json()).toMatchObject(c.body);
  });

  it('405 answers say which methods the path has', async () => {
    const res = await fetch(`${gatehouse.url}/v2/users/me`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get('allow')?.split(/,\s*/).sort()).toEqual(['GET', 'PATCH']);
  });

  it('discovery lists the plain implicit response type it serves', async () => {
    const discovery = (await (await fetch(`${gatehouse.url}/.well-known/openid-configuration`)).json()) as { response_types_supported: string[] };
    expect(discovery.response_types_supported.sort()).toEqual(['code', 'id_token token', 'none', 'token']);
  });
});
