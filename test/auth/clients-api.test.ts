import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { codeFlow, createUser, defaultOrganizationId, discover, registerClient } from './helpers/oauth.js';

describe('/v2/clients admin API through the gateway', () => {
  let gatehouse: TestGatehouse;
  let adminToken: string;
  let agentToken: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const redirectUri = 'http://127.0.0.1:9999/cb';
    const web = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    const config = await discover(gatehouse, web.client.id, web.clientSecret);
    adminToken = (await codeFlow(gatehouse, config, { redirectUri, scope: 'admin' })).tokens.access_token;
    const agent = await createUser(gatehouse, [{ organizationId: await defaultOrganizationId(gatehouse), role: 'agent' }]);
    agentToken = (await codeFlow(gatehouse, config, { redirectUri, scope: 'agent', user: agent })).tokens.access_token;
  });
  afterAll(() => gatehouse?.stop());

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${gatehouse.url}/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; data: Record<string, unknown> & Array<Record<string, unknown>>; error?: string; message?: string } };
  };

  it('creates, lists, fetches, updates, rotates and deletes a client; the new client works', async () => {
    const created = await call('POST', '/clients', adminToken, { name: 'Integration', type: 'service', max_role: 'agent' });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ name: 'Integration', type: 'service', max_role: 'agent', organization_id: await defaultOrganizationId(gatehouse) });
    const { id, client_secret: secret } = created.body.data as unknown as { id: string; client_secret: string };
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const cc = await oidc.clientCredentialsGrant(await discover(gatehouse, id, secret));
    expect(cc.scope).toBe('agent');

    const listed = await call('GET', '/clients', adminToken);
    expect(listed.body.data.map((c) => c.id)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await call('GET', `/clients/${id}`, adminToken)).body.data).not.toHaveProperty('client_secret');
    expect((await call('PATCH', `/clients/${id}`, adminToken, { name: 'Renamed' })).body.data.name).toBe('Renamed');

    const rotated = await call('POST', `/clients/${id}/secret`, adminToken);
    expect(rotated.body.data.client_secret).not.toBe(secret);
    const old = await oidc.clientCredentialsGrant(await discover(gatehouse, id, secret)).catch((e: unknown) => e);
    expect((old as { status?: number }).status).toBe(401);

    const del = await call('DELETE', `/clients/${id}`, adminToken);
    expect(del.body).toMatchObject({ ok: true, data: { id, deleted: true } });
    expect((await call('GET', `/clients/${id}`, adminToken)).status).toBe(404);

    // The one write path: each change left its audit row, and the secret is in none of them.
    const trail = await gatehouse.runtime.db.knex('audit_events').where({ resource_type: 'client', resource_id: id }).orderBy('created_at').select('action', 'changes');
    expect(trail).toEqual([
      { action: 'clients.create', changes: { name: 'Integration', type: 'service', max_role: 'agent' } },
      { action: 'clients.update', changes: { name: 'Renamed' } },
      { action: 'clients.delete', changes: null },
    ]);
  });

  it('PATCH changes only the fields given (issue 17, finding 7): a rename keeps redirect URIs, origins and algorithm', async () => {
    const body = {
      name: 'Portal', type: 'web', redirect_uris: ['https://portal.example.com/cb'], post_logout_redirect_uris: ['https://portal.example.com/bye'],
      allowed_origins: ['https://portal.example.com'], max_role: 'agent', signing_alg: 'RS256',
    };
    const created = await call('POST', '/clients', adminToken, body);
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    const renamed = await call('PATCH', `/clients/${id}`, adminToken, { name: 'Portal 2' });
    expect(renamed.status).toBe(200);
    const { type: _type, ...kept } = body;
    expect((await call('GET', `/clients/${id}`, adminToken)).body.data).toMatchObject({ ...kept, name: 'Portal 2' });
    // A web client cannot be left without a redirect URI by an update either.
    const emptied = await call('PATCH', `/clients/${id}`, adminToken, { redirect_uris: [] });
    expect([emptied.status, emptied.body.error]).toEqual([400, 'validation_failed']);
  });

  it('refuses dangerous redirect URIs with validation_failed', async () => {
    const res = await call('POST', '/clients', adminToken, { name: 'Bad', type: 'spa', redirect_uris: ['javascript:alert(document.cookie)'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.message).toContain('forbidden javascript scheme');
  });

  it('is admin only', async () => {
    const res = await call('GET', '/clients', agentToken);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
  });
});
