import { insertApiKey } from '../../../src/db/api-keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';

// Seed 000 "automatically create properties for your customers".
describe('organizations', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant('Home');
  });
  afterAll(() => api.close());

  it('create makes the caller admin of the new organization, and the list shows both memberships', async () => {
    const created = await api.call(tenant.identity('admin'), 'POST', '/v2/organizations', { name: 'Customer property' });
    expect(created.status).toBe(201);
    const organization = created.body.data as { id: string; name: string; role: string };
    expect(organization).toMatchObject({ name: 'Customer property', role: 'admin' });
    const membership = await api.runtime.db.knex('memberships').where({ organization_id: organization.id }).select('user_id', 'role');
    expect(membership).toEqual([{ user_id: tenant.users.admin.id, role: 'admin' }]);

    const list = await api.call(tenant.identity('admin'), 'GET', '/v2/organizations');
    const rows = list.body.data as Array<{ id: string; role: string }>;
    expect(rows.map((row) => [row.id, row.role])).toEqual([[tenant.organizationId, 'admin'], [organization.id, 'admin']]);
    const botList = await api.call(tenant.identity('bot'), 'GET', '/v2/organizations');
    expect((botList.body.data as Array<{ id: string; role: string }>).map((row) => [row.id, row.role])).toEqual([[tenant.organizationId, 'bot']]);
  });

  it("fetches, renames and audits only the token's own organization", async () => {
    const fetched = await api.call(tenant.identity('bot'), 'GET', `/v2/organizations/${tenant.organizationId}`);
    expect(fetched.body.data).toMatchObject({ id: tenant.organizationId, name: 'Home', role: 'bot' });
    const renamed = await api.call(tenant.identity('admin'), 'PATCH', `/v2/organizations/${tenant.organizationId}`, { name: 'Home 2' });
    expect(renamed.body.data).toMatchObject({ name: 'Home 2' });
    const events = await api.call(tenant.identity('admin'), 'GET', `/v2/audit-events?action=organizations.update`);
    expect(events.body.data).toMatchObject([{ resource_id: tenant.organizationId, actor_id: tenant.users.admin.id, changes: { name: 'Home 2' } }]);
  });

  it('delete removes everything of the organization, revokes its members and keeps the audit trail', async () => {
    const doomed = await api.tenant('Doomed');
    const contact = await api.call(doomed.identity('bot'), 'POST', '/v2/contacts', { name: 'x' });
    expect(contact.status).toBe(201);
    const key = await insertApiKey(api.runtime.db.knex, {
      organizationId: doomed.organizationId, userId: doomed.users.bot.id, name: 'Doomed key', scopes: ['bot'], displayPrefix: 'ghk_doom', secretHash: 'doomed-key-hash', expiresAt: null,
    });
    const res = await api.call(doomed.identity('admin'), 'DELETE', `/v2/organizations/${doomed.organizationId}`);
    expect(res.body).toEqual({ ok: true, data: { id: doomed.organizationId, deleted: true } });
    const knex = api.runtime.db.knex;
    expect(await knex('organizations').where({ id: doomed.organizationId })).toEqual([]);
    expect(await knex('contacts').where({ organization_id: doomed.organizationId })).toEqual([]);
    // Issue 17: their tokens for this organization, not their tokens of other organizations.
    const revoked = await knex('revocations').where({ kind: 'membership' }).whereIn('subject', Object.values(doomed.users).map((user) => `${doomed.organizationId}/${user.id}`));
    expect(revoked).toHaveLength(4);
    expect(await knex('revocations').where({ kind: 'user' }).whereIn('subject', Object.values(doomed.users).map((user) => user.id))).toEqual([]);
    // Its keys went with it, and every gateway hears so (no cached lookup serves one meanwhile).
    expect(await knex('revocations').where({ kind: 'api_key', subject: key.id })).toHaveLength(1);
    const trail = await knex('audit_events').where({ organization_id: doomed.organizationId, action: 'organizations.delete' });
    expect(trail).toHaveLength(1);
  });
});
