import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createUser, defaultOrganizationId } from '../auth/helpers/oauth.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';
import { linkIn, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';

// Issue 18, password reset, followed in a real browser from the login page's "Forgot password?"
// to the mailed link: the new password works and everything the old one opened is revoked; a used,
// superseded or expired link fails with its own message; the answer to a request is the same,
// and given before the address is looked up, whether or not an account exists.
describe('password reset', () => {
  let smtp: TestSmtpServer;
  let gatehouse: TestGatehouse;
  let browser: Browser;
  let orgId: string;
  let clockOffset = 0;
  let ipCounter = 0;
  // A movable clock that keeps time: tokens signed by the provider (real time) and cut-offs (this
  // clock) stay comparable; moving it forward expires links.
  const clock = { now: () => Date.now() + clockOffset };
  const newIp = () => `203.0.113.${++ipCounter}`;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gatehouse = await startTestGatehouse({
      clock,
      config: { ...smtp.config, GATEWAY_TRUSTED_PROXIES: '127.0.0.1', LOGIN_MAX_ATTEMPTS_PER_IP: 1_000, RATE_LIMIT_LOGIN: 1_000, RATE_LIMIT_TOKEN_ENDPOINT: 1_000 },
    });
    orgId = await defaultOrganizationId(gatehouse);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gatehouse?.stop();
    await smtp?.close();
  });

  const requestReset = (email: unknown, ip = newIp()) =>
    call(gatehouse.url, 'POST', '/v2/auth/password-reset', { body: { email }, headers: { 'x-forwarded-for': ip } });
  const signIn = (email: string, password: string) => call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email, password } });
  const page = async (): Promise<Page> => (await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': newIp() } })).newPage();

  async function newPasswordOn(tab: Page, link: string, password: string): Promise<{ status: number; text: string }> {
    await tab.goto(link);
    await tab.fill('#password', password);
    await tab.fill('#password_confirm', password);
    const [response] = await Promise.all([tab.waitForNavigation(), tab.click('button[type=submit]')]);
    return { status: response!.status(), text: await tab.textContent('main') ?? '' };
  }

  it('from "Forgot password?" on the login page to a new password that revokes every session, token and refresh token', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgId, role: 'agent' }]);
    const before = await signIn(user.email, user.password);
    expect(before.status).toBe(200);
    // A browser session made with the old password.
    const oldSession = await page();
    await oldSession.goto(`${gatehouse.url}/account`);
    await oldSession.fill('#email', user.email);
    await oldSession.fill('#password', user.password);
    await Promise.all([oldSession.waitForURL(`${gatehouse.url}/account`), oldSession.click('button[type=submit]')]);

    const tab = await page();
    await tab.goto(`${gatehouse.url}/account`);
    await tab.click('text=Forgot password?');
    expect(new URL(tab.url()).pathname).toBe('/account/password-reset');
    await tab.fill('#email', user.email);
    await Promise.all([tab.waitForNavigation(), tab.click('button[type=submit]')]);
    expect(await tab.textContent('h1')).toBe('Check your mail');

    const [mail] = await smtp.mailsTo(user.email);
    expect(mail!.subject).toBe('Reset your Gatehouse password');
    const link = linkIn(mail!);
    expect(link.startsWith(`${gatehouse.runtime.config.PUBLIC_URL}/account/password-reset/confirm?token=ghr_`)).toBe(true);

    // The policy, with its exact words, before anything changes.
    const common = await newPasswordOn(tab, link, 'password123456');
    expect(common.status).toBe(400);
    expect(common.text).toContain('The password is too common: it appears in lists of leaked passwords, so attackers try it first; choose another.');
    expect((await signIn(user.email, user.password)).status).toBe(200);

    const done = await newPasswordOn(tab, link, 'a brand new passphrase');
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your password was changed');

    expect((await signIn(user.email, user.password)).body.error).toBe('invalid_credentials');
    expect((await signIn(user.email, 'a brand new passphrase')).status).toBe(200);
    await expect.poll(async () => (await call(gatehouse.url, 'GET', '/v2/users/me', { token: before.body.token as string })).status, { timeout: 2_000 }).toBe(401);
    const refreshed = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { refreshToken: before.body.refreshToken, clientId: user.email } });
    expect([refreshed.status, refreshed.body.error]).toEqual([401, 'invalid_refresh_token']);
    await oldSession.goto(`${gatehouse.url}/account`);
    expect(await oldSession.locator('#password').count()).toBe(1); // signed out: the login form again

    const [, changed] = await smtp.mailsTo(user.email, 2);
    expect(changed!.subject).toBe('Your Gatehouse password was changed');

    // The link worked once.
    const reused = await tab.goto(link);
    expect(reused!.status()).toBe(409);
    expect(await tab.textContent('main')).toContain('This password-reset link has already been used.');
  });

  it('a second request supersedes the first link, and a link is refused once expired (the clock moved past its 30 minutes)', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgId, role: 'agent' }]);
    expect((await requestReset(user.email)).status).toBe(202);
    const first = linkIn((await smtp.mailsTo(user.email))[0]!);
    expect((await requestReset(user.email)).status).toBe(202);
    const second = linkIn((await smtp.mailsTo(user.email, 2))[1]!);

    const tab = await page();
    const superseded = await tab.goto(first);
    expect(superseded!.status()).toBe(409);
    expect(await tab.textContent('main')).toContain('A newer password-reset link was sent to you; this one no longer works.');
    const viaApi = await call(gatehouse.url, 'POST', '/v2/auth/password-reset/confirm', { body: { token: new URL(first).searchParams.get('token'), password: 'another long passphrase' } });
    expect([viaApi.status, viaApi.body.error, viaApi.body.details]).toEqual([409, 'conflict', { reason: 'superseded' }]);

    clockOffset = 31 * 60_000;
    try {
      const expired = await tab.goto(second);
      expect(expired!.status()).toBe(422);
      expect(await tab.textContent('main')).toContain('This password-reset link has expired. Ask for a new one.');
    } finally {
      clockOffset = 0;
    }
    // Back in its time, the newest link works.
    expect((await newPasswordOn(tab, second, 'another long passphrase')).status).toBe(200);
  });

  it('answers a known and an unknown address the same, before looking either up; only the account that can sign in gets a mail', async () => {
    const user = await createUser(gatehouse, [{ organizationId: orgId, role: 'agent' }]);
    const knex = gatehouse.runtime.db.knex;
    // Hold the users table (and on PGlite the one connection): an answer that needed the lookup could not come.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = knex.transaction(async (trx) => {
      await trx.raw('lock table users in access exclusive mode');
      locked();
      await held;
    });
    await isLocked;
    let answers;
    try {
      answers = await Promise.all([requestReset(user.email), requestReset('no-such-account@example.test'), requestReset(user.email.toUpperCase())]);
    } finally {
      release();
      await holder;
    }
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ ok: true, message: 'If an account with this address can sign in, a link to reset its password is on its way to it.' });
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
    expect(await smtp.mailsTo(user.email, 2)).toHaveLength(2);
    // A pending account (made by an admin, never activated) and a disabled one get nothing.
    const signedIn = await signIn(ADMIN.email, ADMIN.password);
    const pending = await call(gatehouse.url, 'POST', '/v2/users', { token: signedIn.body.token as string, body: { email: 'pending-reset@example.test', role: 'agent' } });
    expect(pending.status).toBe(201);
    await knex('users').where({ email: user.email }).update({ disabled_at: new Date() });
    for (const email of ['pending-reset@example.test', user.email]) expect((await requestReset(email)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await knex('mails').where({ purpose: 'password_reset' }).whereIn('recipient', ['no-such-account@example.test', 'pending-reset@example.test'])).toEqual([]);
    expect(smtp.received.filter((m) => m.to === user.email)).toHaveLength(2);
  });

  it('throttles per address (known or not, the same) and per IP', async () => {
    const ip = newIp();
    for (const email of ['throttled@example.test', 'unknown-throttled@example.test']) {
      for (let i = 0; i < 3; i++) expect((await requestReset(email, newIp())).status).toBe(202);
      const refused = await requestReset(email, newIp());
      expect([refused.status, refused.body.error]).toEqual([429, 'rate_limited']);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    for (let i = 0; i < 20; i++) expect((await requestReset(`ip-${i}@example.test`, ip)).status).toBe(202);
    const refused = await requestReset('ip-last@example.test', ip);
    expect([refused.status, refused.body.error, refused.body.message]).toEqual([429, 'rate_limited', 'Too many password-reset requests; try again in 60 minute(s).']);
  });

  it('refuses bad input with the exact JSON error, never a 500', async () => {
    const post = (path: string, body: string, type = 'application/json') =>
      call(gatehouse.url, 'POST', path, { rawBody: body, headers: { 'content-type': type, 'x-forwarded-for': newIp() } });
    const cases: Array<[string, string, string | undefined, [number, string, string]]> = [
      ['/v2/auth/password-reset', '{"email":{"$ne":null}}', undefined, [400, 'validation_failed', 'email: must be an email address']],
      ['/v2/auth/password-reset', `{"email":"${'a'.repeat(250)}@x.io"}`, undefined, [400, 'validation_failed', 'email: must be at most 254 characters']],
      ['/v2/auth/password-reset', '{"email":"a@example.test","admin":true}', undefined, [400, 'validation_failed', 'admin: is not a known field']],
      ['/v2/auth/password-reset', '{"email":"a\\u0000@example.test"}', undefined, [400, 'invalid_request', 'NUL characters are not allowed in a request.']],
      ['/v2/auth/password-reset', '{"email":', undefined, [400, 'invalid_request', 'The body is not valid JSON.']],
      ['/v2/auth/password-reset', 'email=a@example.test', 'application/x-www-form-urlencoded', [415, 'unsupported_media_type', 'Send the request body as application/json.']],
      ['/v2/auth/password-reset/confirm', '{"token":"ghr_made-up","password":"a long enough passphrase"}', undefined,
        [404, 'not_found', 'This password-reset link is not valid. Open the link exactly as it is in the mail, or ask for a new one.']],
      ['/v2/auth/password-reset/confirm', '{"token":"\' or 1=1 --","password":"a long enough passphrase"}', undefined,
        [404, 'not_found', 'This password-reset link is not valid. Open the link exactly as it is in the mail, or ask for a new one.']],
      ['/v2/auth/password-reset/confirm', '{"token":"ghr_x","password":"short"}', undefined, [400, 'validation_failed', 'password: must be at least 12 characters']],
      ['/v2/auth/password-reset/confirm', `{"token":"ghr_x","password":"${'p'.repeat(129)}"}`, undefined, [400, 'validation_failed', 'password: must be at most 128 characters']],
      ['/v2/auth/password-reset/confirm', '{"token":"ghr_x","password":"iloveyou1234567"}', undefined,
        [400, 'validation_failed', 'password: is too common: it appears in lists of leaked passwords, so attackers try it first; choose another']],
    ];
    for (const [path, body, type, expected] of cases) {
      const res = await post(path, body, type);
      expect([res.status, res.body.error, res.body.message], `${path} ${body}`).toEqual(expected);
    }
    const get = await call(gatehouse.url, 'GET', '/v2/auth/password-reset');
    expect([get.status, get.body.error, get.headers.get('allow')]).toEqual([405, 'method_not_allowed', 'POST']);
    // A forged form (no CSRF token bound to the form's cookie) mails nothing.
    const forged = await post('/account/password-reset', 'email=victim%40example.test&csrf=forged', 'application/x-www-form-urlencoded');
    expect(forged.status).toBe(403);
  });
});
