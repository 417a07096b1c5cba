import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../src/db/accounts.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { codeFlow, defaultOrganizationId, discover, introspect, registerClient } from './helpers/oauth.js';

/** Polls until `check` passes; fails after `withinMs` (no sleeps: the bus is immediate in process). */
async function within(withinMs: number, check: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not within ${withinMs} ms`);
}

describe('client cut-offs and introspection rights (issue 17, findings 5 and 8)', () => {
  let gatehouse: TestGatehouse;
  let adminToken: string;
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const redirectUri = 'http://127.0.0.1:9999/cb';
    const web = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    adminToken = (await codeFlow(gatehouse, await discover(gatehouse, web.client.id, web.clientSecret), { redirectUri, scope: 'admin' })).tokens.access_token;
    orgA = await defaultOrganizationId(gatehouse);
    orgB = (await insertOrganization(gatehouse.runtime.db.knex, { name: `Other tenant ${Date.now()}` })).id;
  });
  afterAll(() => gatehouse?.stop());

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${gatehouse.url}/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string; data: Record<string, unknown> } };
  };
  const useToken = (token: string) => api('GET', '/organization-groups', token);
  const createService = async (extra: Record<string, unknown> = {}) => {
    const created = await api('POST', '/clients', adminToken, { name: 'Integration', type: 'service', max_role: 'bot', ...extra });
    expect(created.status).toBe(201);
    return { id: created.body.data.id as string, secret: created.body.data.client_secret as string };
  };
  const serviceToken = async (client: { id: string; secret: string }) =>
    (await oidc.clientCredentialsGrant(await discover(gatehouse, client.id, client.secret))).access_token;

  describe('finding 5: a deleted or rotated client\'s tokens stop at the gateway within a second', () => {
    it('delete: token works → DELETE /v2/clients/{id} → 401 invalid_auth, and introspection says inactive', async () => {
      const resourceServer = await createService({ resource_server: true });
      const client = await createService();
      const token = await serviceToken(client);
      expect((await useToken(token)).status).toBe(200);
      expect(await introspect(gatehouse, token, resourceServer)).toMatchObject({ active: true, client_id: client.id });

      expect((await api('DELETE', `/clients/${client.id}`, adminToken)).body).toMatchObject({ ok: true, data: { id: client.id, deleted: true } });
      await within(1_000, async () => (await useToken(token)).status === 401);
      expect((await useToken(token)).body).toMatchObject({ ok: false, error: 'invalid_auth' });
      expect(await introspect(gatehouse, token, resourceServer)).toEqual({ active: false });
    });

    it('rotate: the old token stops, a token of the new secret works at once, the old secret is refused', async () => {
      const client = await createService();
      const before = await serviceToken(client);
      expect((await useToken(before)).status).toBe(200);

      const rotated = await api('POST', `/clients/${client.id}/secret`, adminToken);
      const renewed = { id: client.id, secret: rotated.body.data.client_secret as string };
      await within(1_000, async () => (await useToken(before)).status === 401);
      const after = await serviceToken(renewed);
      expect({ before: (await useToken(before)).status, after: (await useToken(after)).status }).toEqual({ before: 401, after: 200 });
      expect(await introspect(gatehouse, before, renewed)).toEqual({ active: false });
      expect(await introspect(gatehouse, after, renewed)).toMatchObject({ active: true, client_id: client.id });
      const old = await oidc.clientCredentialsGrant(await discover(gatehouse, client.id, client.secret)).catch((e: unknown) => e);
      expect((old as { status?: number }).status).toBe(401);
    });
  });

  describe('finding 8: introspection answers only the token\'s client and its organization\'s resource servers', () => {
    let issuer: { id: string; secret: string };
    let token: string;
    beforeAll(async () => {
      issuer = await createService();
      token = await serviceToken(issuer);
    });

    const confidential = async (organizationId: string, resourceServer: boolean) => {
      const created = await registerClient(gatehouse, { type: 'service', organization_id: organizationId, resource_server: resourceServer });
      return { id: created.client.id, secret: created.clientSecret! };
    };

    it('answers each kind of caller exactly', async () => {
      const foreign = await confidential(orgB, false);
      const foreignResourceServer = await confidential(orgB, true);
      const sameOrgPlain = await confidential(orgA, false);
      const sameOrgResourceServer = await confidential(orgA, true);
      const answers = {
        own: await introspect(gatehouse, token, issuer),
        foreignConfidential: await introspect(gatehouse, token, foreign),
        foreignResourceServer: await introspect(gatehouse, token, foreignResourceServer),
        sameOrgNotResourceServer: await introspect(gatehouse, token, sameOrgPlain),
        sameOrgResourceServer: await introspect(gatehouse, token, sameOrgResourceServer),
      };
      const active = { active: true, client_id: issuer.id, sub: issuer.id, org: orgA, scope: 'bot' };
      expect(answers).toMatchObject({
        own: active,
        foreignConfidential: { active: false },
        foreignResourceServer: { active: false },
        sameOrgNotResourceServer: { active: false },
        sameOrgResourceServer: active,
      });
      // Nothing of the token leaks to the refused callers.
      for (const refused of [answers.foreignConfidential, answers.foreignResourceServer, answers.sameOrgNotResourceServer]) expect(refused).toEqual({ active: false });
    });

    it('a public client learns nothing of another client\'s token', async () => {
      const spa = await registerClient(gatehouse, { type: 'spa', redirect_uris: ['https://spa.example/cb'], organization_id: orgA });
      const res = await fetch(`${gatehouse.url}/oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: spa.client.id }),
      });
      expect(await res.json()).toEqual({ active: false });
    });

    it('the mark is set and cleared through PATCH /v2/clients/{id}, and only for confidential clients', async () => {
      const client = await createService();
      expect((await api('GET', `/clients/${client.id}`, adminToken)).body.data.resource_server).toBe(false);
      expect(await introspect(gatehouse, token, client)).toEqual({ active: false });

      expect((await api('PATCH', `/clients/${client.id}`, adminToken, { resource_server: true })).body.data).toMatchObject({ resource_server: true, max_role: 'bot' });
      expect(await introspect(gatehouse, token, client)).toMatchObject({ active: true });
      // A PATCH without the field leaves it alone.
      expect((await api('PATCH', `/clients/${client.id}`, adminToken, { name: 'Renamed' })).body.data).toMatchObject({ name: 'Renamed', resource_server: true });
      expect((await api('PATCH', `/clients/${client.id}`, adminToken, { resource_server: false })).body.data).toMatchObject({ name: 'Renamed', resource_server: false });
      expect(await introspect(gatehouse, token, client)).toEqual({ active: false });

      const spa = await api('POST', '/clients', adminToken, { name: 'SPA', type: 'spa', redirect_uris: ['https://spa.example/cb'] });
      const refused = await api('PATCH', `/clients/${spa.body.data.id as string}`, adminToken, { name: 'Not renamed', resource_server: true });
      expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 400, error: 'validation_failed' });
      expect((await api('GET', `/clients/${spa.body.data.id as string}`, adminToken)).body.data).toMatchObject({ name: 'SPA', resource_server: false });
      const created = await api('POST', '/clients', adminToken, { name: 'SPA', type: 'spa', redirect_uris: ['https://spa.example/cb'], resource_server: true });
      expect({ status: created.status, error: created.body.error }).toEqual({ status: 400, error: 'validation_failed' });
    });
  });
});
