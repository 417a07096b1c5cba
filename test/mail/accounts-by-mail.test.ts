import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../src/db/accounts.js';
import { ADMIN, createUser, defaultOrganizationId } from '../auth/helpers/oauth.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';
import { linkIn, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';

// Issue 18, the mails that prove an address, followed in a real browser as their recipients would:
// activating an account an admin made, an invitation for a new and for an existing account, and
// changing an account's address (verified at the new one, told to the old one).
describe('accounts by mail (browser)', () => {
  let smtp: TestSmtpServer;
  let gatehouse: TestGatehouse;
  let browser: Browser;
  let adminToken: string;
  let orgId: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gatehouse = await startTestGatehouse({ config: { ...smtp.config, LOGIN_MAX_ATTEMPTS_PER_IP: 1_000, RATE_LIMIT_LOGIN: 1_000, RATE_LIMIT_TOKEN_ENDPOINT: 1_000 } });
    adminToken = (await call(gatehouse.url, 'POST', '/v2/auth/token', { body: ADMIN })).body.token as string;
    orgId = await defaultOrganizationId(gatehouse);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gatehouse?.stop();
    await smtp?.close();
  });

  const signIn = (email: string, password: string, organization?: string) =>
    call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email, password, ...(organization ? { organization } : {}) } });
  const tab = async (): Promise<Page> => (await browser.newContext()).newPage();
  const submit = async (page: Page, selector = 'button[type=submit]') => {
    const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
    return { status: response!.status(), text: (await page.textContent('main')) ?? '' };
  };
  async function signInOnPage(page: Page, user: { email: string; password: string }): Promise<void> {
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await submit(page);
  }

  it('activation: the owner of an address an admin used opens the mailed link, chooses a password (not a common one) and signs in', async () => {
    const created = await call(gatehouse.url, 'POST', '/v2/users', { token: adminToken, body: { email: 'fiona@example.test', role: 'agent' } });
    expect(created.status).toBe(201);
    const [mail] = await smtp.mailsTo('fiona@example.test');
    expect(mail!.subject).toBe('Activate your Gatehouse account');
    const page = await tab();
    await page.goto(linkIn(mail!));
    await page.fill('#name', 'Fiona');
    for (const [password, status, words] of [
      ['123456789012', 400, 'The password is too common'], ['fiona keeps her own passphrase', 200, 'Your account is active'],
    ] as const) {
      await page.fill('#password', password);
      await page.fill('#password_confirm', password);
      const result = await submit(page);
      expect([result.status, result.text]).toEqual([status, expect.stringContaining(words)]);
    }
    expect((await signIn('fiona@example.test', 'fiona keeps her own passphrase')).status).toBe(200);
  });

  it('invitation for a new account: the invitee sets name and password from the mail and signs in as the invited role', async () => {
    expect((await call(gatehouse.url, 'POST', '/v2/invitations', { token: adminToken, body: { email: 'gwen@example.test', role: 'bot' } })).status).toBe(201);
    const page = await tab();
    await page.goto(linkIn((await smtp.mailsTo('gwen@example.test'))[0]!));
    expect(await page.textContent('h1')).toBe('Join Default organization');
    await page.fill('#name', 'Gwen');
    await page.fill('#password', 'gwen joins with a passphrase');
    await page.fill('#password_confirm', 'gwen joins with a passphrase');
    expect((await submit(page)).text).toContain('Invitation accepted');
    const token = await signIn('gwen@example.test', 'gwen joins with a passphrase');
    expect([token.status, token.body.scope]).toEqual([200, 'bot']);
  });

  it('invitation for an existing account: its owner signs in from the mailed link, confirms, and joins', async () => {
    const other = await insertOrganization(gatehouse.runtime.db.knex, { name: 'Second Org' });
    const otherAdmin = await createUser(gatehouse, [{ organizationId: other.id, role: 'admin' }]);
    const otherToken = (await signIn(otherAdmin.email, otherAdmin.password, other.id)).body.token as string;
    const member = await createUser(gatehouse, [{ organizationId: orgId, role: 'agent' }]);
    expect((await call(gatehouse.url, 'POST', '/v2/invitations', { token: otherToken, body: { email: member.email, role: 'admin' } })).status).toBe(201);
    const page = await tab();
    await page.goto(linkIn((await smtp.mailsTo(member.email))[0]!));
    await Promise.all([page.waitForNavigation(), page.click(`text=Sign in as ${member.email}`)]);
    await signInOnPage(page, member);
    expect(await page.textContent('main')).toContain('Accept the invitation to join Second Org as admin?');
    expect((await submit(page)).text).toContain('Invitation accepted');
    expect((await signIn(member.email, member.password, other.id)).body.scope).toBe('admin');
  });

  it('email change: verified at the new address before it takes effect, told to the old one; a wrong password changes nothing', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgId, role: 'agent' }]);
    const page = await tab();
    await page.goto(`${gatehouse.url}/account`);
    await signInOnPage(page, user);
    await page.fill('#new_email', 'new-address@example.test');
    await page.fill('#current_password', 'not the password');
    const wrong = await submit(page);
    expect([wrong.status, wrong.text]).toEqual([401, expect.stringContaining('The current password is not correct; the address was not changed.')]);

    await page.goto(`${gatehouse.url}/account#email`);
    await page.fill('#new_email', 'new-address@example.test');
    await page.fill('#current_password', user.password);
    expect((await submit(page)).text).toContain('We mailed a link to new-address@example.test.');
    // Not yet: the old address still signs in, the new one does not.
    expect((await signIn(user.email, user.password)).status).toBe(200);
    expect((await signIn('new-address@example.test', user.password)).status).toBe(401);

    const [mail] = await smtp.mailsTo('new-address@example.test');
    expect(mail!.subject).toBe('Confirm your new Gatehouse email address');
    const link = linkIn(mail!);
    const confirmPage = await tab();
    await confirmPage.goto(link);
    // Opening the link changes nothing (mail scanners open links): the button does.
    expect((await signIn('new-address@example.test', user.password)).status).toBe(401);
    const confirmed = await submit(confirmPage);
    expect(confirmed.text).toContain('You now sign in as new-address@example.test.');
    expect((await signIn('new-address@example.test', user.password)).status).toBe(200);
    expect((await signIn(user.email, user.password)).status).toBe(401);

    const [notice] = await smtp.mailsTo(user.email);
    expect(notice!.subject).toBe('Your Gatehouse email address was changed');
    expect(notice!.text).toContain(`from ${user.email} to new-address@example.test`);
    const reused = await confirmPage.goto(link);
    expect(reused!.status()).toBe(409);
    expect(await confirmPage.textContent('main')).toContain('This confirmation link has already been used');
    expect(smtp.received.filter((m) => m.to === 'new-address@example.test')).toHaveLength(1);
  });
});
