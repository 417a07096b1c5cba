import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_BODY_SHA256, IDENTITY_HEADER, signIdentity } from '../../src/contract/identity.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// The resource API's trust boundary (only the gateway's signed assertion, for this very request)
// and its envelope: JSON with a boolean `ok` everywhere, the right status for every refusal.

describe('trust boundary', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it('answers 401 invalid_auth to a direct call without an assertion', async () => {
    const res = await api.call(undefined, 'GET', '/v2/contacts');
    expect([res.status, res.body.ok, res.body.error]).toEqual([401, false, 'invalid_auth']);
    expect(res.body.request_id).toMatch(/\S/);
  });

  it('refuses an assertion made for another path, another method, or with another key', async () => {
    const identity = tenant.identity('admin');
    const key = api.runtime.secrets.derive('identity-assertion');
    const cases: Array<[string, string]> = [
      ['GET', await signIdentity(identity, key, { method: 'GET', path: '/v2/users', query: '', bodySha256: EMPTY_BODY_SHA256 })],
      ['GET', await signIdentity(identity, key, { method: 'DELETE', path: '/v2/contacts', query: '', bodySha256: EMPTY_BODY_SHA256 })],
      ['GET', await signIdentity(identity, new Uint8Array(32).fill(7), { method: 'GET', path: '/v2/contacts', query: '', bodySha256: EMPTY_BODY_SHA256 })],
      ['GET', 'not-a-jwt'],
    ];
    for (const [method, assertion] of cases) {
      const res = await fetch(`${api.url}/v2/contacts`, { method, headers: { [IDENTITY_HEADER]: assertion } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_auth');
    }
  });

  it('refuses an assertion whose organization is not an id', async () => {
    const res = await api.call(tenant.identity('admin', { org: 'not-an-id' }), 'GET', '/v2/contacts');
    expect([res.status, res.body.error]).toEqual([401, 'invalid_auth']);
  });

  it('refuses a removed or disabled member at once, and caps a demoted one at the new role', async () => {
    const other = await api.tenant();
    const knex = api.runtime.db.knex;
    await knex('memberships').where({ user_id: other.users.agent.id }).update({ disabled_at: new Date() });
    const disabled = await api.call(other.identity('agent'), 'GET', '/v2/contacts');
    expect([disabled.status, disabled.body.error]).toEqual([401, 'invalid_auth']);
    await knex('memberships').where({ user_id: other.users.guest.id }).delete();
    const removed = await api.call(other.identity('guest'), 'GET', '/v2/users/me');
    expect([removed.status, removed.body.error]).toEqual([401, 'invalid_auth']);
    // A token minted while admin, used after a demotion to agent: acts as agent.
    await knex('memberships').where({ user_id: other.users.admin.id }).update({ role: 'agent' });
    const demoted = await api.call(other.identity('admin'), 'GET', '/v2/services');
    expect([demoted.status, demoted.body.error]).toEqual([403, 'insufficient_scope']);
    const stillAgent = await api.call(other.identity('admin'), 'GET', '/v2/contacts');
    expect(stillAgent.status).toBe(200);
    // A service identity (client credentials) has no membership and keeps its scope.
    const service = await api.call(other.identity('bot', { sub: 'service-client', kind: 'client', client_id: 'service-client' }), 'GET', '/v2/contacts');
    expect(service.status).toBe(200);
  });

  it('serves public operations without an assertion: /health as seed 002 says', async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['ok', 'status', 'timestamp']);
    expect(body.status).toBe('healthy');
  });
});

describe('envelope and refusals', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it('answers {ok:true,data} and {ok:true,data,next_cursor} for lists', async () => {
    const created = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', { name: 'Ann' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['data', 'ok']);
    const list = await api.call(tenant.identity('agent'), 'GET', '/contacts');
    expect(list.status).toBe(200);
    expect(Object.keys(list.body).sort()).toEqual(['data', 'next_cursor', 'ok']);
    expect(list.body.next_cursor).toBeNull();
  });

  it('answers 415 to a body that is neither JSON nor a form', async () => {
    const res = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', 'name=Ann', { 'content-type': 'text/plain' });
    expect([res.status, res.body.error]).toEqual([415, 'unsupported_media_type']);
    const xml = await api.call(tenant.identity('bot'), 'POST', '/v1/contacts.create', '<name/>', { 'content-type': 'application/xml' });
    expect([xml.status, xml.body.error]).toEqual([415, 'unsupported_media_type']);
  });

  it('answers 413 to a body over the operation limit', async () => {
    const res = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', { name: 'x', notes: 'x'.repeat(20_000) });
    expect([res.status, res.body.error]).toEqual([413, 'payload_too_large']);
  });

  it('answers 400 to malformed JSON and to a JSON body that is not an object', async () => {
    const broken = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', '{"name":', { 'content-type': 'application/json' });
    expect([broken.status, broken.body.error]).toEqual([400, 'invalid_request']);
    const array = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', '[1]', { 'content-type': 'application/json' });
    expect([array.status, array.body.error]).toEqual([400, 'invalid_request']);
  });

  it('answers 404 to unknown routes and ids that cannot exist, 405 with Allow to a wrong method', async () => {
    const unknown = await api.call(tenant.identity('admin'), 'GET', '/v2/nothing-here');
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
    const rpcUnknown = await api.call(tenant.identity('admin'), 'POST', '/v1/contacts.explode', {});
    expect([rpcUnknown.status, rpcUnknown.body.error]).toEqual([404, 'not_found']);
    const badId = await api.call(tenant.identity('admin'), 'GET', '/v2/contacts/not-a-uuid');
    expect([badId.status, badId.body.error]).toEqual([404, 'not_found']);
    const wrongMethod = await api.call(tenant.identity('admin'), 'PUT', '/v2/contacts', {});
    expect([wrongMethod.status, wrongMethod.body.error]).toEqual([405, 'method_not_allowed']);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('validates list parameters: limit 1-100, a cursor this API issued, known filters only', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=ten', 'limit'], ['cursor=bogus', 'cursor'], ['colour=red', 'colour']]) {
      const res = await api.call(tenant.identity('agent'), 'GET', `/v2/contacts?${query}`);
      expect([res.status, res.body.error, res.body.details?.fields?.[0]?.field], query).toEqual([400, 'validation_failed', field]);
    }
  });

  it('answers 409 conflict to a duplicate unique value', async () => {
    const first = await api.call(tenant.identity('admin'), 'POST', '/v2/services', { name: 'Billing' });
    expect(first.status).toBe(201);
    const second = await api.call(tenant.identity('admin'), 'POST', '/v2/services', { name: 'Billing' });
    expect([second.status, second.body.error]).toEqual([409, 'conflict']);
  });
});
