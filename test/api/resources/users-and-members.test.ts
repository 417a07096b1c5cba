import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';

// Seed 001 "users" with its self rows, and seed 000's "property members" filters.
describe('users and members', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it('an admin creates a user with a role; the email is unique whatever its case', async () => {
    const res = await api.call(tenant.identity('admin'), 'POST', '/v2/users', { email: 'Carol@Example.test', name: 'Carol', role: 'agent', password: 'long-enough-1' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ email: 'Carol@Example.test', name: 'Carol', role: 'agent', status: 'active', is_bot: false, group_ids: [] });
    const user = await api.runtime.db.knex('users').where({ id: (res.body.data as { id: string }).id }).first();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    const again = await api.call(tenant.identity('admin'), 'POST', '/v2/users', { email: 'carol@example.test', role: 'guest' });
    expect([again.status, again.body.error]).toEqual([409, 'conflict']);
  });

  it('/users/me: any role reads and renames itself, never changes its role', async () => {
    const me = await api.call(tenant.identity('guest'), 'GET', '/v2/users/me');
    expect(me.body.data).toMatchObject({ id: tenant.users.guest.id, role: 'guest' });
    const renamed = await api.call(tenant.identity('guest'), 'PATCH', '/users/me', { name: 'Gus' });
    expect(renamed.body.data).toMatchObject({ id: tenant.users.guest.id, name: 'Gus', role: 'guest' });
    const viaId = await api.call(tenant.identity('guest'), 'PATCH', `/v2/users/${tenant.users.guest.id}`, { name: 'Gus 2' });
    expect(viaId.body.data).toMatchObject({ name: 'Gus 2' });
    const raise = await api.call(tenant.identity('bot'), 'PATCH', `/v2/users/${tenant.users.bot.id}`, { role: 'admin' });
    expect([raise.status, raise.body.error]).toEqual([403, 'forbidden']);
  });

  it('disabling or demoting a member revokes their tokens; the last admin stays one', async () => {
    const disabled = await api.call(tenant.identity('admin'), 'PATCH', `/v2/users/${tenant.users.agent.id}`, { status: 'disabled' });
    expect(disabled.body.data).toMatchObject({ status: 'disabled' });
    const revocation = await api.runtime.db.knex('revocations').where({ kind: 'user', subject: tenant.users.agent.id }).first();
    expect(revocation.not_before).toBeInstanceOf(Date);
    const enabled = await api.call(tenant.identity('admin'), 'PATCH', `/v2/users/${tenant.users.agent.id}`, { status: 'active' });
    expect(enabled.body.data).toMatchObject({ status: 'active' });

    const demoteSelf = await api.call(tenant.identity('admin'), 'PATCH', `/v2/users/${tenant.users.admin.id}`, { role: 'agent' });
    expect([demoteSelf.status, demoteSelf.body.error]).toEqual([409, 'conflict']);
    const removeSelf = await api.call(tenant.identity('admin'), 'DELETE', `/v2/members/${tenant.users.admin.id}`);
    expect([removeSelf.status, removeSelf.body.error]).toEqual([409, 'conflict']);
  });

  it('lists members filtered by role, group and status', async () => {
    const admin = tenant.identity('admin');
    const group = await api.call(admin, 'POST', '/v2/organization-groups', { name: 'Billing' });
    const groupId = (group.body.data as { id: string }).id;
    await api.call(admin, 'PATCH', `/v2/members/${tenant.users.bot.id}`, { group_ids: [groupId] });
    await api.call(admin, 'PATCH', `/v2/members/${tenant.users.guest.id}`, { status: 'disabled' });

    const ids = async (query: string) =>
      ((await api.call(tenant.identity('bot'), 'GET', `/v2/members?${query}`)).body.data as Array<{ user_id: string }>).map((m) => m.user_id);
    expect(await ids('role=bot')).toEqual([tenant.users.bot.id]);
    expect(await ids(`group_id=${groupId}`)).toEqual([tenant.users.bot.id]);
    expect(await ids('status=disabled')).toEqual([tenant.users.guest.id]);
    expect(await ids('status=active&role=guest')).toEqual([]);
    const fetched = await api.call(admin, 'GET', `/v2/organization-groups/${groupId}`);
    expect(fetched.body.data).toMatchObject({ member_count: 1 });
  });

  it('removing a member keeps a user who belongs to another organization', async () => {
    const other = await api.tenant();
    const knex = api.runtime.db.knex;
    await knex('memberships').insert({ user_id: other.users.agent.id, organization_id: tenant.organizationId, role: 'agent' });
    const res = await api.call(tenant.identity('admin'), 'DELETE', `/v2/users/${other.users.agent.id}`);
    expect(res.body).toEqual({ ok: true, data: { id: other.users.agent.id, deleted: true } });
    expect(await knex('memberships').where({ user_id: other.users.agent.id }).pluck('organization_id')).toEqual([other.organizationId]);
    const lonely = await api.call(tenant.identity('admin'), 'POST', '/v2/users', { email: 'lonely@example.test', role: 'guest' });
    const lonelyId = (lonely.body.data as { id: string }).id;
    await api.call(tenant.identity('admin'), 'DELETE', `/v2/members/${lonelyId}`);
    expect(await knex('users').where({ id: lonelyId })).toEqual([]);
  });
});
