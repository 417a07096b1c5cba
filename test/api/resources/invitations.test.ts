import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/shared/clock.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';

// Seed 000 "automatically invite a customer to a property": single-use, expiring tokens, mailed to
// the invitee and never returned to the inviter (issue 17). Tests read the link from the mailbox.
describe('invitations', () => {
  const clock = fixedClock(Date.parse('2026-11-21T09:00:00Z'));
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness({ clock });
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  /** The link of the newest invitation mail to `email`, as its reader would copy it. */
  async function mailedToken(email: string): Promise<string> {
    const mail = await api.runtime.db.knex('mails').where({ recipient: email, purpose: 'invitation' }).orderBy('created_at', 'desc').orderBy('id', 'desc').first();
    const link = new URL(/^https?:\/\/\S+$/m.exec(mail.body)![0]);
    expect(link.origin + link.pathname).toBe(`${api.runtime.config.PUBLIC_URL}/account/invitation`);
    return link.searchParams.get('token')!;
  }

  async function invite(body: { email: string } & Record<string, unknown>) {
    const res = await api.call(tenant.identity('admin'), 'POST', '/v2/invitations', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).not.toHaveProperty('token');
    return { ...(res.body.data as { id: string; status: string; expires_at: string }), token: await mailedToken(body.email) };
  }

  it('the token is mailed to the invitee, in the transaction that makes the invitation, and never answered', async () => {
    const knex = api.runtime.db.knex;
    const before = (await knex('mails')).length;
    const invitation = await invite({ email: 'erin@example.test', role: 'guest' });
    const mails = await knex('mails').where({ recipient: 'erin@example.test' });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ purpose: 'invitation', sent_at: null });
    expect(mails[0].subject).toContain(' on Gatehouse');
    expect(invitation.token).toMatch(/^ghi_[A-Za-z0-9_-]{43}$/);
    // A refused invitation writes no mail.
    const again = await api.call(tenant.identity('admin'), 'POST', '/v2/invitations', { email: tenant.users.agent.email, role: 'guest' });
    expect([again.status, again.body.error]).toEqual([409, 'conflict']);
    expect((await knex('mails')).length).toBe(before + 1);
  });

  it('resend mails a new link and the old one stops working', async () => {
    const first = await invite({ email: 'fay@example.test', role: 'guest' });
    const resent = await api.call(tenant.identity('admin'), 'POST', `/v2/invitations/${first.id}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.body.data).not.toHaveProperty('token');
    const second = await mailedToken('fay@example.test');
    expect(second).not.toBe(first.token);
    const old = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: first.token, password: 'fay-password' });
    expect([old.status, old.body.error]).toEqual([404, 'not_found']);
    const ok = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: second, password: 'fay-password' });
    expect(ok.status).toBe(200);
    const afterAccept = await api.call(tenant.identity('admin'), 'POST', `/v2/invitations/${first.id}/resend`);
    expect([afterAccept.status, afterAccept.body.error]).toEqual([409, 'conflict']);
    const otherTenant = await api.tenant();
    const foreign = await api.call(otherTenant.identity('admin'), 'POST', `/v2/invitations/${first.id}/resend`);
    expect([foreign.status, foreign.body.error]).toEqual([404, 'not_found']);
  });

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
    const listed = await api.call(tenant.identity('bot'), 'GET', '/v2/invitations?status=accepted&email=dana@example.test');
    expect((listed.body.data as Array<{ id: string }>).map((row) => row.id)).toEqual([invitation.id]);
  });

  it('an existing account is never joined through the API: its owner signs in on the invitation page (issue 17)', async () => {
    const other = await api.tenant();
    const invitation = await invite({ email: other.users.bot.email, role: 'bot' });
    for (const body of [{ token: invitation.token }, { token: invitation.token, password: 'whatever-password' }]) {
      const refused = await api.call(undefined, 'POST', '/v1/invitations.accept', body);
      expect(refused.status).toBe(body.password ? 403 : 400);
      expect(refused.body.error).toBe(body.password ? 'forbidden' : 'validation_failed');
      if (body.password) expect(refused.body.details).toEqual({ reason: 'sign_in_required' });
    }
    expect(await api.runtime.db.knex('memberships').where({ user_id: other.users.bot.id }).pluck('organization_id')).toEqual([other.organizationId]);
    const stillPending = await api.call(tenant.identity('admin'), 'GET', `/v2/invitations/${invitation.id}`);
    expect(stillPending.body.data).toMatchObject({ status: 'pending' });
  });

  it('an account made by users.create and never activated is activated by the invitation link, with the password chosen there', async () => {
    const other = await api.tenant();
    const made = await api.call(other.identity('admin'), 'POST', '/v2/users', { email: 'gil@example.test', role: 'admin' });
    const gilId = (made.body.data as { id: string }).id;
    const invitation = await invite({ email: 'gil@example.test', role: 'agent' });
    const accepted = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: invitation.token, password: 'gil-own-password', name: 'Gil' });
    expect(accepted.body.data).toEqual({ organization_id: tenant.organizationId, user_id: gilId, role: 'agent' });
    const user = await api.runtime.db.knex('users').where({ id: gilId }).first();
    expect(user.email_verified_at).toBeInstanceOf(Date);
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    // The activation link mailed by users.create is spent with it.
    expect(await api.runtime.db.knex('email_verifications').where({ user_id: gilId }).whereNull('used_at')).toEqual([]);
  });

  it('an expired invitation cannot be accepted; a withdrawn one is gone; a made-up token is not found', async () => {
    const late = await invite({ email: 'late@example.test', role: 'guest' });
    const withdrawn = await invite({ email: 'withdrawn@example.test', role: 'guest' });
    clock.advance(7 * 24 * 3_600_000 + 1);
    const expired = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: late.token, password: 'long-enough-passphrase' });
    expect([expired.status, expired.body.error]).toEqual([422, 'unprocessable']);
    const list = await api.call(tenant.identity('admin'), 'GET', '/v2/invitations?status=expired');
    expect((list.body.data as Array<{ id: string }>).map((row) => row.id)).toEqual(expect.arrayContaining([late.id, withdrawn.id]));
    const pending = await api.call(tenant.identity('admin'), 'GET', '/v2/invitations?status=pending');
    expect(pending.body.data).toEqual([]);

    const removed = await api.call(tenant.identity('admin'), 'DELETE', `/v2/invitations/${withdrawn.id}`);
    expect(removed.status).toBe(200);
    const afterWithdraw = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: withdrawn.token, password: 'long-enough-passphrase' });
    expect([afterWithdraw.status, afterWithdraw.body.error]).toEqual([404, 'not_found']);
    const madeUp = await api.call(undefined, 'POST', '/v2/invitations/accept', { token: 'ghi_made-up', password: 'long-enough-passphrase' });
    expect([madeUp.status, madeUp.body.error]).toEqual([404, 'not_found']);
  });
});
