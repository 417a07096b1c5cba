import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrantLookups } from '../../src/auth/cache/grant-lookups.js';
import { createClientService } from '../../src/db/oauth-clients/client-service.js';
import { insertOrganization } from '../../src/db/accounts.js';
import type { EventBus } from '../../src/shared/bus.js';
import { fixedClock } from '../../src/shared/clock.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { createTestRuntime } from '../helpers/runtime.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { codeFlow, createUser, defaultOrganizationId, discover, registerClient } from './helpers/oauth.js';

/**
 * The token endpoints cache the client (with its unsealed secret) and the signing keys
 * (auth/cache/grant-lookups.ts). A grant must still see a deleted client, a new secret or a
 * disabled user at once when the change is announced, and within AUTH_CACHE_MAX_AGE_MS (≤ 1 s)
 * when the announcement is lost. Each case below warms the cache with grants first, so a stale
 * entry would be used if the change were not seen.
 */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function tokenRequest(url: string, fields: Record<string, string>, client: { id: string; secret: string }) {
  const res = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const clientCredentials = (url: string, client: { id: string; secret: string }) => tokenRequest(url, { grant_type: 'client_credentials' }, client);
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };

describe('grant caches: changes announced on the bus are seen by the next grant', () => {
  let gatehouse: TestGatehouse;
  let adminToken: string;
  const redirectUri = 'http://127.0.0.1:9999/cb';
  let web: { id: string; secret: string };

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const registered = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    web = { id: registered.client.id, secret: registered.clientSecret! };
    adminToken = (await codeFlow(gatehouse, await discover(gatehouse, web.id, web.secret), { redirectUri, scope: 'admin' })).tokens.access_token;
  });
  afterAll(() => gatehouse?.stop());

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gatehouse.url}/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; data: Record<string, unknown> } };
  };
  const createService = async () => {
    const created = await api('POST', '/clients', { name: 'Cached integration', type: 'service', max_role: 'bot' });
    expect(created.status).toBe(201);
    return { id: created.body.data.id as string, secret: created.body.data.client_secret as string };
  };

  it('a deleted client: the grant right after DELETE /v2/clients/{id} is refused with invalid_client', async () => {
    const client = await createService();
    for (let i = 0; i < 3; i++) expect((await clientCredentials(gatehouse.url, client)).status).toBe(200);
    expect((await api('DELETE', `/clients/${client.id}`)).status).toBe(200);
    expect(await clientCredentials(gatehouse.url, client)).toEqual({ status: 401, body: INVALID_CLIENT });
  });

  it('a rotated secret: the old one is refused by the next grant, the new one works', async () => {
    const client = await createService();
    for (let i = 0; i < 3; i++) expect((await clientCredentials(gatehouse.url, client)).status).toBe(200);
    const rotated = await api('POST', `/clients/${client.id}/secret`);
    const renewed = { id: client.id, secret: rotated.body.data.client_secret as string };
    expect(await clientCredentials(gatehouse.url, client)).toEqual({ status: 401, body: INVALID_CLIENT });
    expect((await clientCredentials(gatehouse.url, renewed)).status).toBe(200);
  });

  it('a lowered max_role: the next client-credentials token carries the new cap', async () => {
    const client = await createService();
    expect((await clientCredentials(gatehouse.url, client)).body.scope).toBe('bot');
    expect((await api('PATCH', `/clients/${client.id}`, { max_role: 'guest' })).status).toBe(200);
    expect((await clientCredentials(gatehouse.url, client)).body.scope).toBe('guest');
  });

  it('a disabled user: the next OAuth refresh and the next /v2/auth/token refresh are refused', async () => {
    const user = await createUser(gatehouse, [{ organizationId: await defaultOrganizationId(gatehouse), role: 'agent' }]);
    const { tokens } = await codeFlow(gatehouse, await discover(gatehouse, web.id, web.secret), { redirectUri, scope: 'agent', user });
    const refreshed = await tokenRequest(gatehouse.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, web);
    expect(refreshed.status).toBe(200);
    const signIn = await fetch(`${gatehouse.url}/v2/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) });
    const firstParty = (await signIn.json()) as { refreshToken: string };

    expect((await api('PATCH', `/users/${user.id}`, { status: 'disabled' })).status).toBe(200);
    expect(await tokenRequest(gatehouse.url, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token as string }, web))
      .toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } });
    const refused = await fetch(`${gatehouse.url}/v2/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: firstParty.refreshToken, clientId: user.email }) });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ ok: false, error: 'invalid_refresh_token' });
  });
});

describe('grant caches: a lost announcement is outlived by AUTH_CACHE_MAX_AGE_MS', () => {
  let runtime: OwnedRuntime;
  const clock = fixedClock(Date.parse('2026-12-01T12:00:00Z'));
  // A bus that never delivers: the worst case, an announcement lost between processes.
  const deaf: EventBus = { publish: async () => {}, subscribe: () => () => {}, onReconnect: () => () => {}, close: async () => {} };

  beforeAll(async () => {
    runtime = await createTestRuntime({ clock });
  });
  afterAll(() => runtime?.close());

  it('serves the cached client until the age limit, then reads the change (deleted, capped)', async () => {
    const knex = runtime.db.knex;
    const clients = createClientService({ knex, secrets: runtime.secrets, publicUrl: runtime.config.PUBLIC_URL, cutoff: { bus: deaf, clock, config: runtime.config } });
    const lookups = createGrantLookups({ knex, bus: deaf, clock, maxAgeMs: 500, unseal: (row) => clients.secretOf(row) });
    const organization = await insertOrganization(knex, { name: `Cache age ${Date.now()}` });
    const capped = await clients.create({ name: 'Capped', type: 'service', organization_id: organization.id, max_role: 'bot' });
    const deleted = await clients.create({ name: 'Deleted', type: 'service', organization_id: organization.id, max_role: 'bot' });
    expect((await lookups.client(deleted.client.id))?.secret).toBe(deleted.clientSecret);
    expect((await lookups.clientRow(capped.client.id))?.max_role).toBe('bot');

    await clients.remove(deleted.client.id);
    await clients.update(capped.client.id, { max_role: 'guest' });
    clock.advance(499);
    expect((await lookups.client(deleted.client.id))?.row.id).toBe(deleted.client.id);
    expect((await lookups.clientRow(capped.client.id))?.max_role).toBe('bot');
    clock.advance(1);
    expect(await lookups.client(deleted.client.id)).toBeUndefined();
    expect((await lookups.clientRow(capped.client.id))?.max_role).toBe('guest');
    lookups.close();
  });

  it('refuses an age limit above one second', async () => {
    const { loadConfig } = await import('../../src/shared/config/index.js');
    expect(() => loadConfig({ env: {}, configDir: '/nonexistent', overrides: { AUTH_CACHE_MAX_AGE_MS: 1001 } }))
      .toThrow('invalid configuration: AUTH_CACHE_MAX_AGE_MS: must be at most 1000: a grant sees a deleted client or a disabled user within a second');
  });
});
