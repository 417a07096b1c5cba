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
    // Issue 17: an admin never sets someone else's password; the account waits for its owner.
    const withPassword = await api.call(tenant.identity('admin'), 'POST', '/v2/users', { email: 'Carol@Example.test', role: 'agent', password: 'long-enough-1' });
    expect([withPassword.status, withPassword.body.error]).toEqual([400, 'validation_failed']);
    const res = await api.call(tenant.identity('admin'), 'POST', '/v2/users', { email: 'Carol@Example.test', name: 'Carol', role: 'agent' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ email: 'Carol@Example.test', name: 'Carol', role: 'agent', status: 'active', is_bot: false, email_verified: false, group_ids: [] });
    const user = await api.runtime.db.knex('users').where({ id: (res.body.data as { id: string }).id }).first();
    expect([user.password_hash, user.email_verified_at]).toEqual([null, null]);
    const mails = await api.runtime.db.knex('mails').where({ recipient: 'Carol@Example.test' });
    expect(mails.map((m: { purpose: string }) => m.purpose)).toEqual(['account_activation']);
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

  // Seed 001 "(self)": below admin, the self rule reaches the user's own name only. A change at or
  // below the caller's own role is the one a rule checking "not above your role" alone lets through.
  const selfChanges: Array<[role: 'guest' | 'agent' | 'bot', patch: Record<string, unknown>, field: string]> = [
    ['bot', { role: 'bot' }, 'role'], ['bot', { role: 'agent' }, 'role'], ['bot', { role: 'guest' }, 'role'],
    ['agent', { role: 'agent' }, 'role'], ['agent', { role: 'guest' }, 'role'], ['guest', { role: 'guest' }, 'role'],
    ['bot', { status: 'disabled' }, 'status'], ['agent', { status: 'active' }, 'status'], ['guest', { status: 'disabled' }, 'status'],
  ];
  it.each(selfChanges)('a %s changing its own %j through users.update is refused, the membership unchanged', async (role, patch, field) => {
    const identity = tenant.identity(role);
    const own = tenant.users[role].id;
    const before = await api.runtime.db.knex('memberships').where({ user_id: own, organization_id: tenant.organizationId }).first();
    for (const [method, path, body] of [['PATCH', `/v2/users/${own}`, patch], ['POST', '/v1/users.update', { id: own, ...patch }]] as const) {
      const res = await api.call(identity, method, path, body);
      expect([res.status, res.body.error, res.body.details?.fields], `${method} ${path}`).toEqual([403, 'forbidden', [{ field, message: 'only an admin may change it' }]]);
    }
    const after = await api.runtime.db.knex('memberships').where({ user_id: own, organization_id: tenant.organizationId }).first();
    expect([after.role, after.disabled_at]).toEqual([before.role, before.disabled_at]);
    const me = await api.call(identity, 'PATCH', '/v2/users/me', patch);
    expect(me.status, '/users/me').toBeGreaterThanOrEqual(400);
    expect((await api.runtime.db.knex('memberships').where({ user_id: own, organization_id: tenant.organizationId }).first()).role).toBe(role);
  });

  it("the name is the user's own: an admin renames nobody else (issue 17)", async () => {
    const rename = await api.call(tenant.identity('admin'), 'PATCH', `/v2/users/${tenant.users.agent.id}`, { name: 'Renamed by admin' });
    expect([rename.status, rename.body.error, rename.body.details?.fields]).toEqual([403, 'forbidden', [{ field: 'name', message: "is the user's own: only they may change it" }]]);
    const viaMembers = await api.call(tenant.identity('admin'), 'PATCH', `/v2/members/${tenant.users.agent.id}`, { name: 'Renamed by admin' });
    expect([viaMembers.status, viaMembers.body.error]).toEqual([400, 'validation_failed']);
    expect((await api.runtime.db.knex('users').where({ id: tenant.users.agent.id }).first()).name).toBe('agent user');
    const self = await api.call(tenant.identity('admin'), 'PATCH', `/v2/users/${tenant.users.admin.id}`, { name: 'Ada' });
    expect(self.body.data).toMatchObject({ name: 'Ada' });
  });

  it('disabling or demoting a member revokes their tokens; the last admin stays one', async () => {
    const disabled = await api.call(tenant.identity('admin'), 'PATCH', `/v2/users/${tenant.users.agent.id}`, { status: 'disabled' });
    expect(disabled.body.data).toMatchObject({ status: 'disabled' });
    // Issue 17: the cut-off is of the member in this organization, not of the user everywhere.
    const revocation = await api.runtime.db.knex('revocations').where({ kind: 'membership', subject: `${tenant.organizationId}/${tenant.users.agent.id}` }).first();
    expect(revocation.not_before).toBeInstanceOf(Date);
    expect(await api.runtime.db.knex('revocations').where({ kind: 'user', subject: tenant.users.agent.id })).toEqual([]);
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
