import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../src/db/accounts.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';
import { ADMIN, createUser, defaultOrganizationId } from './helpers/oauth.js';
import { UserAgent, type Step } from './helpers/user-agent.js';

// Issue 17, findings 2 and 3 and the API-key item of 8, each sent as the attack, end to end
// through the gateway: account squatting through users.create and invitations, forced membership
// then cross-tenant writes, and API keys revived by a re-invitation. Links are read from the
// mailbox (`mails`), as their recipient would read them.
describe('account squatting, forced membership and member credentials (issue 17)', () => {
  let gatehouse: TestGatehouse;
  let orgA: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { RATE_LIMIT_TOKEN_ENDPOINT: 1_000, LOGIN_MAX_ATTEMPTS_PER_IP: 1_000 } });
    orgA = await defaultOrganizationId(gatehouse);
  });
  afterAll(() => gatehouse.stop());

  const knex = () => gatehouse.runtime.db.knex;

  async function signIn(email: string, password: string, organization?: string) {
    return call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email, password, ...(organization ? { organization } : {}) } });
  }

  async function tokenOf(email: string, password: string, organization?: string): Promise<string> {
    const res = await signIn(email, password, organization);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.token as string;
  }

  /** An organization with its own admin, who signs in with a password they chose. */
  async function organizationWithAdmin(name: string) {
    const org = await insertOrganization(knex(), { name });
    const admin = await createUser(gatehouse, [{ organizationId: org.id, role: 'admin' }]);
    return { id: org.id, admin, token: await tokenOf(admin.email, admin.password, org.id) };
  }

  /** The link of the newest mail of that purpose to that address. */
  async function mailedLink(email: string, purpose: 'invitation' | 'account_activation'): Promise<string> {
    const mail = await knex()('mails').whereRaw('lower(recipient) = lower(?)', [email]).where({ purpose }).orderBy('created_at', 'desc').orderBy('id', 'desc').first();
    expect(mail, `a ${purpose} mail to ${email}`).toBeDefined();
    return /^https?:\/\/\S+$/m.exec(mail.body as string)![0];
  }

  /** Signs a browser in through the login page, as the account page does. */
  async function browserSignedInAs(user: { email: string; password: string }): Promise<UserAgent> {
    const agent = new UserAgent(gatehouse.url);
    const login = await agent.follow('/account');
    const done = await agent.submit(login, { email: user.email, password: user.password });
    const account = await agent.follow(done.location!);
    expect(account.body).toContain(user.email);
    return agent;
  }

  /** Opens an invitation link whose email has an account: sign in from the page, come back, confirm. */
  async function acceptSignedIn(agent: UserAgent, link: string, user: { email: string; password: string }): Promise<Step> {
    const page = await agent.follow(link);
    const signInHref = /href="(\/account\/invitation\/sign-in\?token=[^"]+)"/.exec(page.body)?.[1];
    expect(signInHref, page.body).toBeDefined();
    const login = await agent.follow(signInHref!.replaceAll('&amp;', '&'));
    expect(login.body).toContain('/login"');
    const back = await agent.submit(login, { email: user.email, password: user.password });
    const confirm = await agent.follow(back.location!);
    expect(confirm.url).toBe(link);
    expect(confirm.body).toContain('Accept and join');
    return agent.submit(confirm, {}, '/account/invitation');
  }

  it('squatting: an admin who creates an account for someone else\'s email never signs in as them, nor joins the organization that invites them', async () => {
    const x = await organizationWithAdmin('Squatter X');
    const y = await organizationWithAdmin('Victim Y');
    const victim = 'victim@example.test';

    // users.create takes no password: nobody sets someone else's.
    const withPassword = await call(gatehouse.url, 'POST', '/v2/users', { token: x.token, body: { email: victim, role: 'admin', password: 'squatter-password' } });
    expect([withPassword.status, withPassword.body.error]).toEqual([400, 'validation_failed']);
    const created = await call(gatehouse.url, 'POST', '/v2/users', { token: x.token, body: { email: victim, role: 'admin' } });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ email: victim, email_verified: false });
    expect(JSON.stringify(created.body)).not.toMatch(/gh[ai]_/);

    // The pending account signs in nowhere: token API, login page.
    for (const password of ['squatter-password', '']) {
      const refused = await signIn(victim, password || 'any-password-1');
      expect([refused.status, refused.body.error]).toEqual([401, 'invalid_credentials']);
    }
    const agent = new UserAgent(gatehouse.url);
    const login = await agent.follow('/account');
    const loginRefused = await agent.submit(login, { email: victim, password: 'squatter-password' });
    expect(loginRefused.status).toBe(401);
    expect(loginRefused.body).toContain('Invalid email or password.');

    // Y invites the victim: the answer carries no token; only the victim's mailbox has it.
    const invited = await call(gatehouse.url, 'POST', '/v2/invitations', { token: y.token, body: { email: victim, role: 'agent' } });
    expect(invited.status).toBe(201);
    expect(invited.body.data).not.toHaveProperty('token');
    expect(JSON.stringify(invited.body)).not.toContain('ghi_');

    // The victim opens the link: the account is not theirs yet, so they choose their own password.
    const victimBrowser = new UserAgent(gatehouse.url);
    const page = await victimBrowser.follow(await mailedLink(victim, 'invitation'));
    expect(page.status).toBe(200);
    expect(page.body).toContain('Create account and join');
    const joined = await victimBrowser.submit(page, { name: 'Victor', password: 'victim-own-password', password_confirm: 'victim-own-password' }, '/account/invitation');
    expect(joined.status).toBe(200);
    expect(joined.body).toContain('Invitation accepted');

    const victimInY = await tokenOf(victim, 'victim-own-password', y.id);
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { token: victimInY })).body.data).toMatchObject({ email: victim, name: 'Victor', role: 'agent', email_verified: true });
    // The squatter's guess still opens nothing, and X's activation link is spent.
    expect((await signIn(victim, 'squatter-password', y.id)).status).toBe(401);
    const spent = await new UserAgent(gatehouse.url).follow(await mailedLink(victim, 'account_activation'));
    expect(spent.status).toBe(409);
  });

  it('activation: the owner of the address (a bot\'s owner too) chooses the password; before that nobody signs in', async () => {
    const x = await organizationWithAdmin('Bots X');
    const bot = 'helpdesk-bot@example.test';
    const created = await call(gatehouse.url, 'POST', '/v2/users', { token: x.token, body: { email: bot, role: 'bot', is_bot: true, name: 'Helpdesk' } });
    expect(created.body.data).toMatchObject({ is_bot: true, email_verified: false });
    expect((await signIn(bot, 'bot-password-1')).status).toBe(401);

    const link = await mailedLink(bot, 'account_activation');
    expect(link.startsWith(`${gatehouse.runtime.config.PUBLIC_URL}/account/activate?token=gha_`)).toBe(true);
    const owner = new UserAgent(gatehouse.url);
    const form = await owner.follow(link);
    expect(form.body).toContain('Activate account');
    const mismatch = await owner.submit(form, { name: 'Helpdesk', password: 'bot-password-1', password_confirm: 'other-password' }, '/account/activate');
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toContain('The two passwords differ.');
    const short = await owner.submit(form, { name: 'Helpdesk', password: 'short', password_confirm: 'short' }, '/account/activate');
    expect(short.status).toBe(400);
    const forged = await owner.request('/account/activate', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: new URL(link).searchParams.get('token')!, csrf: 'forged', name: 'x', password: 'bot-password-1', password_confirm: 'bot-password-1' }),
    });
    expect(forged.status).toBe(403);
    const done = await owner.submit(form, { name: 'Helpdesk', password: 'bot-password-1', password_confirm: 'bot-password-1' }, '/account/activate');
    expect(done.status).toBe(200);
    expect(done.body).toContain('Your account is active');
    expect((await signIn(bot, 'bot-password-1')).status).toBe(200);
    const again = await owner.follow(link);
    expect(again.status).toBe(409);
    const made = await new UserAgent(gatehouse.url).follow('/account/activate?token=gha_made-up');
    expect(made.status).toBe(404);
  });

  it('forced membership: B\'s admin cannot make A\'s admin a member without their sign-in, cannot rename them, and disabling them in B leaves their A tokens working', async () => {
    const b = await organizationWithAdmin('Tenant B');
    const alice = { ...ADMIN };
    const aliceId = (await knex()('users').where({ email: alice.email }).first()).id as string;
    const aliceInA = await tokenOf(alice.email, alice.password, orgA);

    const invited = await call(gatehouse.url, 'POST', '/v2/invitations', { token: b.token, body: { email: alice.email, role: 'guest' } });
    expect(invited.status).toBe(201);
    expect(invited.body.data).not.toHaveProperty('token');
    const link = await mailedLink(alice.email, 'invitation');
    const token = new URL(link).searchParams.get('token')!;

    // Even holding the link, the API joins no existing account, with or without a password.
    const viaApi = await call(gatehouse.url, 'POST', '/v2/invitations/accept', { body: { token, password: 'whatever-password' } });
    expect([viaApi.status, viaApi.body.error, viaApi.body.details]).toEqual([403, 'forbidden', { reason: 'sign_in_required' }]);
    // Nor the page, signed in as B's admin.
    const mallory = await browserSignedInAs(b.admin);
    const wrong = await mallory.follow(link);
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('data-error="wrong_account"');
    expect(await knex()('memberships').where({ user_id: aliceId }).pluck('organization_id')).toEqual([orgA]);
    // Not a member: B cannot even see Alice.
    const renameStranger = await call(gatehouse.url, 'PATCH', `/v2/users/${aliceId}`, { token: b.token, body: { name: 'Owned' } });
    expect([renameStranger.status, renameStranger.body.error]).toEqual([404, 'not_found']);

    // Alice herself accepts, signing in from the invitation page.
    const accepted = await acceptSignedIn(new UserAgent(gatehouse.url), link, alice);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toContain('Invitation accepted');
    const aliceInB = await tokenOf(alice.email, alice.password, b.id);

    // B's admin renames nobody: the name is Alice's own.
    const rename = await call(gatehouse.url, 'PATCH', `/v2/users/${aliceId}`, { token: b.token, body: { name: 'Owned' } });
    expect([rename.status, rename.body.error]).toEqual([403, 'forbidden']);
    const renameMember = await call(gatehouse.url, 'PATCH', `/v2/members/${aliceId}`, { token: b.token, body: { name: 'Owned' } });
    expect([renameMember.status, renameMember.body.error]).toEqual([400, 'validation_failed']);
    expect((await knex()('users').where({ id: aliceId }).first()).name).not.toBe('Owned');

    // Disabling her in B ends her B tokens only.
    const disabled = await call(gatehouse.url, 'PATCH', `/v2/members/${aliceId}`, { token: b.token, body: { status: 'disabled' } });
    expect(disabled.status).toBe(200);
    await expect.poll(async () => (await call(gatehouse.url, 'GET', '/v2/users/me', { token: aliceInB })).status, { timeout: 1_000, interval: 50 }).toBe(401);
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { token: aliceInA })).status).toBe(200);
    expect((await call(gatehouse.url, 'GET', '/v2/contacts', { token: aliceInA })).status).toBe(200);
    // And removing her from B too.
    const removed = await call(gatehouse.url, 'DELETE', `/v2/members/${aliceId}`, { token: b.token });
    expect(removed.status).toBe(200);
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { token: aliceInA })).status).toBe(200);
    expect(await knex()('revocations').where({ kind: 'user', subject: aliceId })).toEqual([]);
  });

  it('removing a member kills their API keys and OAuth grants there, a re-invitation revives none, and their other organization keeps its own', async () => {
    const b = await organizationWithAdmin('Keys B');
    const carol = await createUser(gatehouse, [{ organizationId: orgA, role: 'agent' }, { organizationId: b.id, role: 'agent' }]);
    const carolInA = await tokenOf(carol.email, carol.password, orgA);
    const carolInB = await tokenOf(carol.email, carol.password, b.id);
    const keyOf = async (token: string) => {
      const res = await call(gatehouse.url, 'POST', '/v2/api-keys', { token, body: { name: 'sync', scopes: ['agent'] } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return (res.body.data as { key: string }).key;
    };
    const keyA = await keyOf(carolInA);
    const keyB = await keyOf(carolInB);
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { basic: keyB })).status).toBe(200);
    // Grants as the consent step stores them: one per organization.
    for (const [id, org] of [['grant-carol-b', b.id], ['grant-carol-a', orgA]] as const) {
      await knex()('oidc_models').insert({ model: 'Grant', id, payload: {}, account_id: carol.id, client_id: 'some-app', organization_id: org });
      await knex()('oidc_models').insert({ model: 'RefreshToken', id: `${id}-rt`, payload: {}, grant_id: id, account_id: carol.id, client_id: 'some-app' });
    }

    const removed = await call(gatehouse.url, 'DELETE', `/v2/members/${carol.id}`, { token: b.token });
    expect(removed.status).toBe(200);
    await expect.poll(async () => (await call(gatehouse.url, 'GET', '/v2/users/me', { basic: keyB })).status, { timeout: 1_000, interval: 50 }).toBe(401);
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { basic: keyA })).status).toBe(200);
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { token: carolInA })).status).toBe(200);
    expect((await knex()('oidc_models').whereIn('id', ['grant-carol-b', 'grant-carol-b-rt', 'grant-carol-a', 'grant-carol-a-rt']).pluck('id')).sort())
      .toEqual(['grant-carol-a', 'grant-carol-a-rt']);
    expect(await knex()('revocations').where({ kind: 'grant', subject: 'grant-carol-b' })).toHaveLength(1);

    // Re-invited and accepted: a new membership, with none of the old keys.
    expect((await call(gatehouse.url, 'POST', '/v2/invitations', { token: b.token, body: { email: carol.email, role: 'agent' } })).status).toBe(201);
    const back = await acceptSignedIn(new UserAgent(gatehouse.url), await mailedLink(carol.email, 'invitation'), carol);
    expect(back.status).toBe(200);
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { basic: keyB })).status).toBe(401);
    // (A token issued in the same second as the removal's cut-off would be refused: `iat` has
    // whole seconds. The membership itself shows the re-invitation took.)
    const member = await call(gatehouse.url, 'GET', `/v2/members/${carol.id}`, { token: b.token });
    expect(member.body.data).toMatchObject({ user_id: carol.id, role: 'agent', status: 'active' });
    expect(await knex()('api_keys').where({ user_id: carol.id, organization_id: b.id }).whereNull('revoked_at')).toEqual([]);
  });
});
