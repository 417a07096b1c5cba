import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrganization } from '../../../src/db/accounts.js';
import { startTestGatehouse, type TestGatehouse } from '../../helpers/gatehouse.js';
import { call, insertOrganizationWithWidget, memberKey } from '../../gateway/visitor-fixtures.js';

// Issue 11 through the real gateway with real credentials: the seed-001 token of the installation's
// admin (a JWT), API keys of members (HTTP Basic), a widget's visitor session. Every webhook
// operation by its literal path; roles and key scopes below admin and visitor tokens get 403;
// another organization's admin gets 404.

const SITE = 'https://shop.example.com';

describe('webhooks through the gateway', () => {
  let gatehouse: TestGatehouse;
  let admin: string;
  const below: Record<string, string> = {};
  let stranger: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const knex = gatehouse.runtime.db.knex;
    const signedIn = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email: 'admin@example.test', password: 'admin-password-1' } });
    expect(signedIn.status).toBe(200);
    admin = `Bearer ${signedIn.body.token as string}`;
    const own = (await findOrganization(knex, 'Default organization'))!.id;
    const hash = gatehouse.runtime.secrets.derive('api-key-hash');
    for (const role of ['guest', 'agent', 'bot'] as const) below[`${role} key`] = await memberKey(knex, hash, own, role);
    const widget = await insertOrganizationWithWidget(knex, [SITE], own);
    const session = await call(gatehouse.url, 'POST', `/v2/widgets/${widget.clientToken}/sessions`, { headers: { origin: SITE }, body: {} });
    expect(session.status).toBe(201);
    below.visitor = `Bearer ${(session.body.data as { access_token: string }).access_token}`;
    const other = await insertOrganizationWithWidget(knex, [SITE]);
    stranger = await memberKey(knex, hash, other.organizationId, 'admin');
  });
  afterAll(() => gatehouse?.stop());

  const as = (authorization: string, method: string, path: string, body?: unknown) =>
    call(gatehouse.url, method, path, { headers: { authorization }, ...(body !== undefined ? { body } : {}) });

  it('serves every operation by its literal path to an admin, and to nobody below', async () => {
    const created = await as(admin, 'POST', '/v2/webhooks', { url: 'https://hooks.example.test/in', events: ['chat.started', 'ticket.created'], description: 'CRM' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, secret } = created.body.data as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);
    const test = await as(admin, 'POST', `/v2/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    const deliveryId = (test.body.data as { id: string }).id;
    await gatehouse.runtime.db.knex('webhook_deliveries').where({ id: deliveryId }).update({ status: 'failed' });

    const calls: Array<[string, string, unknown, number]> = [
      ['GET', '/v2/webhooks', undefined, 200],
      ['GET', '/webhooks', undefined, 200],
      ['GET', `/v2/webhooks/${id}`, undefined, 200],
      ['PATCH', `/v2/webhooks/${id}`, { events: ['*'] }, 200],
      ['POST', `/v2/webhooks/${id}/rotate-secret`, undefined, 200],
      ['GET', `/v2/webhooks/${id}/deliveries?status=failed`, undefined, 200],
      ['GET', `/v2/webhooks/${id}/deliveries/${deliveryId}`, undefined, 200],
      ['POST', `/v2/webhooks/${id}/replay`, { since: '2020-01-01T00:00:00Z' }, 202],
      ['POST', `/v2/webhooks/${id}/deliveries/${deliveryId}/replay`, undefined, 202],
      ['POST', `/webhooks/${id}/test`, undefined, 202],
      ['POST', '/v1/webhooks.fetch', { id }, 200],
      ['POST', '/v1/webhooks.deliveries.list', { id }, 200],
    ];
    for (const [who, authorization] of Object.entries(below)) {
      for (const [method, path, body] of [...calls, ['POST', '/v2/webhooks', { url: 'https://x.example.test/', events: ['*'] }, 201] as const, ['DELETE', `/v2/webhooks/${id}`, undefined, 200] as const]) {
        const res = await as(authorization, method, path, body);
        expect([res.status, res.body.error], `${who} ${method} ${path}`).toEqual([403, 'insufficient_scope']);
      }
    }
    for (const [method, path, body] of calls) {
      if (path === '/v2/webhooks' || path === '/webhooks') continue;
      const res = await as(stranger, method, path, body);
      expect([res.status, res.body.error], `other organization ${method} ${path}`).toEqual([404, 'not_found']);
    }
    const answers: Record<string, unknown> = {};
    for (const [method, path, body, status] of calls) {
      const res = await as(admin, method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
      answers[`${method} ${path}`] = res.body.data;
    }
    expect(answers[`POST /v2/webhooks/${id}/replay`]).toEqual({ replayed: 1 });
    expect((answers[`POST /v2/webhooks/${id}/rotate-secret`] as { secret: string }).secret).toMatch(/^whsec_/);
    expect(JSON.stringify(answers[`GET /v2/webhooks/${id}`])).not.toContain('whsec_');
    expect((answers['GET /v2/webhooks'] as Array<{ id: string }>).map((w) => w.id)).toEqual([id]);
    const stillThere = await as(stranger, 'GET', '/v2/webhooks');
    expect(stillThere.body.data).toEqual([]);
    const deleted = await as(admin, 'DELETE', `/v2/webhooks/${id}`);
    expect([deleted.status, deleted.body.data]).toEqual([200, { id, deleted: true }]);
  });
});
