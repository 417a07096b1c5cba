import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMembership, insertOrganization, insertUser, type UserRow } from '../../src/db/accounts.js';
import type { Database } from '../../src/db/knex.js';
import { acceptInvitation, accountState, invitationOfLink, type Acceptor } from '../../src/domain/invitations.js';
import { hashLinkToken, INVITATION_TOKEN_PREFIX, newLinkToken } from '../../src/domain/link-tokens.js';
import { AppError } from '../../src/shared/errors.js';
import { verifyPassword } from '../../src/shared/password.js';
import { createTestDatabase } from '../helpers/backend.js';

// domain/invitations.ts in process, on a clone of the migrated database: what an invitation link
// opens and what accepting it does, for each state of the invited email's account. The token
// proves control of the mailbox and nothing more: an email with a usable account joins only when
// that account, signed in, accepts. Every answer and stored value is written out here. Needs the
// global setup (the migrated template): run Stryker on it without GATEHOUSE_MUTATE_NO_SETUP.

/** 2026-11-21T12:00:00Z */
const NOW = 1_795_262_400_000;
const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple';

type Refusal = [code: string, status: number, message: string, details: unknown];

function refusalOf(err: unknown): Refusal {
  if (!(err instanceof AppError)) throw err;
  return [err.code, err.status, err.message, err.details];
}

describe('invitations (domain/invitations.ts)', () => {
  let db: Database;
  let org: string;
  let inviter: string;
  let billing: string;
  let support: string;
  let serial = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    const knex = db.knex;
    org = (await insertOrganization(knex, { name: 'Invitation Org' })).id;
    inviter = (await insertUser(knex, { email: 'inviter@example.test', passwordHash: null })).id;
    await insertMembership(knex, { userId: inviter, organizationId: org, role: 'admin' });
    const group = async (name: string) => ((await knex('organization_groups').insert({ organization_id: org, name }).returning('id')) as Array<{ id: string }>)[0]!.id;
    billing = await group('Billing');
    support = await group('Support');
  });
  afterAll(async () => {
    await db?.close();
  });

  /** A fresh email for each case, so cases never see each other's users. */
  const email = (label: string) => `${label}-${++serial}@example.test`;

  async function invite(to: string, options: { role?: string; groups?: string[]; expiresAt?: number; acceptedAt?: number } = {}) {
    const { token, hash } = newLinkToken(INVITATION_TOKEN_PREFIX);
    const [row] = (await db.knex('invitations').insert({
      organization_id: org, email: to, role: options.role ?? 'agent', group_ids: JSON.stringify(options.groups ?? []), token_hash: hash,
      invited_by: inviter, expires_at: new Date(options.expiresAt ?? NOW + 7 * DAY),
      accepted_at: options.acceptedAt === undefined ? null : new Date(options.acceptedAt),
    }).returning('id')) as Array<{ id: string }>;
    return { token, id: row!.id };
  }

  async function account(to: string, state: 'pending' | 'active'): Promise<UserRow> {
    return insertUser(db.knex, { email: to, name: 'Old Name', passwordHash: state === 'active' ? 'not-a-hash' : null, pending: state === 'pending' });
  }

  const accept = (token: string, acceptor: Acceptor, now = NOW) => acceptInvitation(db.knex, { token, acceptor, requestId: 'req-invite', now });
  const newAccount = (name = '  Ann Invitee  '): Acceptor => ({ kind: 'new_account', name, password: PASSWORD });
  const signedIn = (user: Pick<UserRow, 'id' | 'email'>): Acceptor => ({ kind: 'signed_in', user: { id: user.id, email: user.email } });

  /** The stored state that accepting changes, for one invitation and one email. */
  async function stored(invitationId: string, to: string) {
    const knex = db.knex;
    const user = (await knex('users').whereRaw('lower(email) = lower(?)', [to]).first()) as UserRow | undefined;
    const invitation = (await knex('invitations').where({ id: invitationId }).first('accepted_at', 'accepted_by')) as { accepted_at: Date | null; accepted_by: string | null };
    return {
      invitation: { accepted_at: invitation.accepted_at?.getTime() ?? null, accepted_by: invitation.accepted_by === null ? null : invitation.accepted_by === user?.id ? 'the user' : 'someone else' },
      membership: user ? ((await knex('memberships').where({ organization_id: org, user_id: user.id }).first('role')) as { role: string } | undefined)?.role ?? null : null,
      groups: user ? ((await knex('organization_group_members').where({ user_id: user.id }).pluck('group_id')) as string[]).map((id) => (id === billing ? 'Billing' : id === support ? 'Support' : id)).sort() : [],
      audit: user ? await knex('audit_events').where({ resource_id: invitationId }).select('organization_id', 'actor_id', 'actor_kind', 'action', 'resource_type', 'request_id')
        .then((rows: Array<Record<string, unknown>>) => rows.map((row) => ({ ...row, organization_id: row.organization_id === org ? 'org' : row.organization_id, actor_id: row.actor_id === user.id ? 'the user' : row.actor_id }))) : [],
    };
  }

  const untouched = { invitation: { accepted_at: null, accepted_by: null }, membership: null, groups: [], audit: [] };
  const auditRow = { organization_id: 'org', actor_id: 'the user', actor_kind: 'user', action: 'invitations.accept', resource_type: 'invitation', request_id: 'req-invite' };

  describe('the state of the invited email', () => {
    const states: Array<[string, Pick<UserRow, 'email_verified_at'> | undefined, string]> = [
      ['no account', undefined, 'none'],
      ['an account never activated', { email_verified_at: null }, 'pending'],
      ['an account whose email is verified', { email_verified_at: new Date(NOW) }, 'active'],
    ];
    it.each(states)('%s is %s', (_name, user, expected) => {
      expect(accountState(user as UserRow | undefined)).toBe(expected);
    });
  });

  describe('what a link opens (the token is not spent)', () => {
    it('a pending invitation: the organization and the account state, for each state', async () => {
      const cases: Array<['none' | 'pending' | 'active', string]> = [['none', email('open-none')], ['pending', email('open-pending')], ['active', email('open-active')]];
      for (const [state, to] of cases) {
        if (state !== 'none') await account(to, state);
        const { token, id } = await invite(to, { role: 'bot', groups: [billing] });
        const view = await invitationOfLink(db.knex, token, NOW);
        expect([view.organizationName, view.account, view.invitation.id, view.invitation.email, view.invitation.role, view.invitation.group_ids]).toStrictEqual(
          ['Invitation Org', state, id, to, 'bot', [billing]]);
        expect(await stored(id, to)).toStrictEqual(untouched);
      }
    });

    it('one millisecond before it expires it opens; at its expiry it does not', async () => {
      const { token } = await invite(email('edge'), { expiresAt: NOW + 1000 });
      expect((await invitationOfLink(db.knex, token, NOW + 999)).account).toBe('none');
      expect(refusalOf(await invitationOfLink(db.knex, token, NOW + 1000).catch((err: unknown) => err)))
        .toStrictEqual(['unprocessable', 422, 'This invitation has expired; ask for a new one.', undefined]);
    });

    const refusals: Array<[string, () => Promise<string>, Refusal]> = [
      ['an unknown token', async () => newLinkToken(INVITATION_TOKEN_PREFIX).token, ['not_found', 404, 'This invitation does not exist or was withdrawn.', undefined]],
      ['an accepted invitation', async () => (await invite(email('used'), { acceptedAt: NOW - DAY })).token, ['conflict', 409, 'This invitation has already been used.', undefined]],
      ['an expired invitation', async () => (await invite(email('expired'), { expiresAt: NOW - 1 })).token, ['unprocessable', 422, 'This invitation has expired; ask for a new one.', undefined]],
      ['the hash of a token instead of the token', async () => hashLinkToken((await invite(email('hash'))).token), ['not_found', 404, 'This invitation does not exist or was withdrawn.', undefined]],
    ];
    it.each(refusals)('%s is refused', async (_name, tokenOf, expected) => {
      expect(refusalOf(await invitationOfLink(db.knex, await tokenOf(), NOW).catch((err: unknown) => err))).toStrictEqual(expected);
    });
  });

  describe('accepting', () => {
    it('with no account: the account is made from the link, with the trimmed name and the password, its email verified', async () => {
      const to = email('new');
      const { token, id } = await invite(to, { role: 'agent', groups: [billing, support, billing] });
      const result = await accept(token, newAccount());
      const user = (await db.knex('users').where({ email: to }).first()) as UserRow;
      expect(result).toStrictEqual({ organization_id: org, user_id: user.id, role: 'agent' });
      expect([user.name, user.email_verified_at === null, user.disabled_at]).toStrictEqual(['Ann Invitee', false, null]);
      expect(await verifyPassword(user.password_hash, PASSWORD)).toBe(true);
      expect(await stored(id, to)).toStrictEqual({
        invitation: { accepted_at: NOW, accepted_by: 'the user' }, membership: 'agent', groups: ['Billing', 'Support'], audit: [auditRow],
      });
    });

    it('with an account never activated: that account is activated with the chosen name and password, and its open links are spent', async () => {
      const to = email('pending');
      const user = await account(to, 'pending');
      await db.knex('email_verifications').insert([
        { user_id: user.id, token_hash: hashLinkToken(`open-${serial}`), expires_at: new Date(NOW + DAY) },
        { user_id: user.id, token_hash: hashLinkToken(`used-${serial}`), expires_at: new Date(NOW + DAY), used_at: new Date(NOW - DAY) },
      ]);
      const { token, id } = await invite(to, { role: 'admin' });
      expect(await accept(token, newAccount(' Pat '))).toStrictEqual({ organization_id: org, user_id: user.id, role: 'admin' });
      const after = (await db.knex('users').where({ id: user.id }).first()) as UserRow;
      expect([after.name, after.email_verified_at?.getTime()]).toStrictEqual(['Pat', NOW]);
      expect(await verifyPassword(after.password_hash, PASSWORD)).toBe(true);
      const links = (await db.knex('email_verifications').where({ user_id: user.id }).orderBy('used_at').select('used_at')) as Array<{ used_at: Date }>;
      expect(links.map((link) => link.used_at.getTime())).toStrictEqual([NOW - DAY, NOW]);
      expect(await stored(id, to)).toStrictEqual({ invitation: { accepted_at: NOW, accepted_by: 'the user' }, membership: 'admin', groups: [], audit: [auditRow] });
    });

    it('with a usable account, signed in as it: that account joins, its name and password unchanged', async () => {
      const to = email('active');
      const user = await account(to, 'active');
      const { token, id } = await invite(to.toUpperCase(), { role: 'guest', groups: [support] });
      expect(await accept(token, signedIn(user))).toStrictEqual({ organization_id: org, user_id: user.id, role: 'guest' });
      const after = (await db.knex('users').where({ id: user.id }).first()) as UserRow;
      expect([after.name, after.password_hash]).toStrictEqual(['Old Name', 'not-a-hash']);
      expect(await stored(id, to)).toStrictEqual({ invitation: { accepted_at: NOW, accepted_by: 'the user' }, membership: 'guest', groups: ['Support'], audit: [auditRow] });
    });

    it('a group deleted since the invitation is skipped; the others are joined', async () => {
      const knex = db.knex;
      const gone = ((await knex('organization_groups').insert({ organization_id: org, name: `Gone ${serial}` }).returning('id')) as Array<{ id: string }>)[0]!.id;
      const to = email('groups');
      const { token, id } = await invite(to, { groups: [gone, support] });
      await knex('organization_groups').where({ id: gone }).delete();
      await accept(token, newAccount());
      expect((await stored(id, to)).groups).toStrictEqual(['Support']);
    });

    // What is refused, and that nothing was stored.
    const signInRequired = (to: string): Refusal => ['forbidden', 403,
      `${to} already has a Gatehouse account: open the invitation link from the email and sign in to that account to accept.`, { reason: 'sign_in_required' }];
    const wrong = (signedInAs: string, to: string): Refusal => ['forbidden', 403,
      `This invitation is for ${to}, but you are signed in as ${signedInAs}. Sign out, then sign in as ${to} to accept it.`, { reason: 'wrong_account' }];

    it('a usable account is never joined from the link alone: choosing a new password is refused', async () => {
      const to = email('takeover');
      const user = await account(to, 'active');
      const { token, id } = await invite(to);
      expect(refusalOf(await accept(token, newAccount()).catch((err: unknown) => err))).toStrictEqual(signInRequired(to));
      expect(await stored(id, to)).toStrictEqual(untouched);
      expect(((await db.knex('users').where({ id: user.id }).first()) as UserRow).password_hash).toBe('not-a-hash');
    });

    it('signed in as another account, even one that exists and is usable: refused', async () => {
      const to = email('invited');
      await account(to, 'active');
      const other = await account(email('other'), 'active');
      const { token, id } = await invite(to);
      expect(refusalOf(await accept(token, signedIn(other)).catch((err: unknown) => err))).toStrictEqual(wrong(other.email, to));
      expect(await stored(id, to)).toStrictEqual(untouched);
    });

    it('signed in, but the invited email has no account or one never activated: refused', async () => {
      const me = await account(email('me'), 'active');
      const noAccount = email('nobody');
      const first = await invite(noAccount);
      expect(refusalOf(await accept(first.token, signedIn(me)).catch((err: unknown) => err))).toStrictEqual(wrong(me.email, noAccount));
      expect(await stored(first.id, noAccount)).toStrictEqual(untouched);

      const pendingEmail = email('pending-other');
      const pending = await account(pendingEmail, 'pending');
      const second = await invite(pendingEmail);
      // Even claiming the pending account's own id: it is not usable, so nobody is signed in as it.
      expect(refusalOf(await accept(second.token, signedIn(pending)).catch((err: unknown) => err))).toStrictEqual(wrong(pendingEmail, pendingEmail));
      expect((await stored(second.id, pendingEmail)).membership).toBeNull();
    });

    it('an email already a member (in another case) is refused, and the invitation stays open', async () => {
      const to = email('member');
      const user = await account(to, 'active');
      await insertMembership(db.knex, { userId: user.id, organizationId: org, role: 'agent' });
      const { token, id } = await invite(to.toUpperCase(), { role: 'admin' });
      expect(refusalOf(await accept(token, signedIn(user)).catch((err: unknown) => err)))
        .toStrictEqual(['conflict', 409, 'This email is already a member of the organization.', undefined]);
      expect(await stored(id, to)).toStrictEqual({ ...untouched, membership: 'agent' });
    });

    it('a link is spent once: the second acceptance is refused', async () => {
      const to = email('twice');
      const { token } = await invite(to);
      await accept(token, newAccount());
      expect(refusalOf(await accept(token, newAccount()).catch((err: unknown) => err))).toStrictEqual(['conflict', 409, 'This invitation has already been used.', undefined]);
    });

    it('at its expiry it is refused; a millisecond before, accepted', async () => {
      const late = await invite(email('late'), { expiresAt: NOW });
      expect(refusalOf(await accept(late.token, newAccount(), NOW).catch((err: unknown) => err)))
        .toStrictEqual(['unprocessable', 422, 'This invitation has expired; ask for a new one.', undefined]);
      const inTime = await invite(email('in-time'), { expiresAt: NOW + 1 });
      expect((await accept(inTime.token, newAccount(), NOW)).role).toBe('agent');
    });

    it('an unknown token is refused as not found', async () => {
      expect(refusalOf(await accept(newLinkToken(INVITATION_TOKEN_PREFIX).token, newAccount()).catch((err: unknown) => err)))
        .toStrictEqual(['not_found', 404, 'This invitation does not exist or was withdrawn.', undefined]);
    });
  });
});
