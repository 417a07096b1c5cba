import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/shared/clock.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';

// Seed 000 "automatically invite a customer to a property": single-use, expiring tokens.
describe('invitations', () => {
  const clock = fixedClock(Date.parse('2026-11-21T09:00:00Z'));
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness({ clock });
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  async function invite(body: Record<string, unknown>) {
    const res = await api.call(tenant.identity('admin'), 'POST', '/v2/invitations', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data as { id: string; token: string; status: string; expires_at: string };
  }

  it('accepting creates the user and the membership with the role and groups; the token works once', async () => {
    const group = await api.call(tenant.identity('admin'), 'POST', '/v2/organization-groups', { name: 'Sales' });
    const groupId = (group.body.data as { id: string }).id;
    const invitation = await invite({ email: 'dana@example.test', role: 'agent', group_ids: [groupId] });
    expect(invitation.status).toBe('pending');
    expect(invitation.expires_at).toBe('2026-11-28T09:00:00.000Z');
    const stored = await api.runtime.db.knex('invitations').where({ id: invitation.id }).first();
    expect(stored.token_hash).toBe(createHash('sha256').update(invitation.token).digest('hex'));
    const fetched = await api.call(tenant.identity('bot'), 'GET', `/v2/invitations/${invitation.id}`);
    expect(fetched.body.data).not.toHaveProperty('token');

    const noPassword = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: invitation.token });
    expect([noPassword.status, noPassword.body.details?.fields?.[0]?.field]).toEqual([400, 'password']);
    const accepted = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: invitation.token, password: 'dana-password', name: 'Dana' });
    expect(accepted.status).toBe(200);
    const { user_id: userId } = accepted.body.data as { user_id: string };
    expect(accepted.body.data).toEqual({ organization_id: tenant.organizationId, user_id: userId, role: 'agent' });
    const member = await api.call(tenant.identity('bot'), 'GET', `/v2/members/${userId}`);
    expect(member.body.data).toMatchObject({ email: 'dana@example.test', name: 'Dana', role: 'agent', status: 'active', group_ids: [groupId] });

    const replay = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: invitation.token, password: 'dana-password' });
    expect([replay.status, replay.body.error]).toEqual([409, 'conflict']);
    const listed = await api.call(tenant.identity('bot'), 'GET', '/v2/invitations?status=accepted');
    expect((listed.body.data as Array<{ id: string }>).map((row) => row.id)).toEqual([invitation.id]);
  });

  it('an existing user of another organization accepts without a password', async () => {
    const other = await api.tenant();
    const invitation = await invite({ email: other.users.bot.email, role: 'bot' });
    const accepted = await api.call(undefined, 'POST', '/v1/invitations.accept', { token: invitation.token });
    expect(accepted.body.data).toEqual({ organization_id: tenant.organizationId, user_id: other.users.bot.id, role: 'bot' });
    const again = await api.call(tenant.identity('admin'), 'POST', '/v2/invitations', { email: other.users.bot.email, role: 'bot' });
    expect([again.status, again.body.error]).toEqual([409, 'conflict']);
  });

  it('an expired invitation cannot be accepted; a withdrawn one is gone; a made-up token is not found', async () => {
    const late = await invite({ email: 'late@example.test', role: 'guest' });
    const withdrawn = await invite({ email: 'withdrawn@example.test', role: 'guest' });
    clock.advance(7 * 24 * 3_600_000 + 1);
    const expired = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: late.token, password: 'long-enough' });
    expect([expired.status, expired.body.error]).toEqual([422, 'unprocessable']);
    const list = await api.call(tenant.identity('admin'), 'GET', '/v2/invitations?status=expired');
    expect((list.body.data as Array<{ id: string }>).map((row) => row.id)).toEqual(expect.arrayContaining([late.id, withdrawn.id]));
    const pending = await api.call(tenant.identity('admin'), 'GET', '/v2/invitations?status=pending');
    expect(pending.body.data).toEqual([]);

    const removed = await api.call(tenant.identity('admin'), 'DELETE', `/v2/invitations/${withdrawn.id}`);
    expect(removed.status).toBe(200);
    const afterWithdraw = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: withdrawn.token, password: 'long-enough' });
    expect([afterWithdraw.status, afterWithdraw.body.error]).toEqual([404, 'not_found']);
    const madeUp = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: 'ghi_made-up', password: 'long-enough' });
    expect([madeUp.status, madeUp.body.error]).toEqual([404, 'not_found']);
  });
});
