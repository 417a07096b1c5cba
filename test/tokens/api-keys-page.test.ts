import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWellFormedApiKey } from '../../src/contract/api-key.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';

describe('seed 000 in a real browser: Profile → REST API Keys → Create Key', () => {
  let gatehouse: TestGatehouse;
  let browser: Browser;
  beforeAll(async () => {
    [gatehouse, browser] = await Promise.all([startTestGatehouse(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gatehouse?.stop();
  });

  it('signs in, creates a key that is shown once and works, then revokes it', async () => {
    const page = await browser.newPage();
    await page.goto(`${gatehouse.url}/account`);
    // Not signed in: the account page sends the browser through the login page.
    await page.fill('input[name="email"]', 'admin@example.test');
    await page.fill('input[name="password"]', 'admin-password-1');
    await Promise.all([page.waitForURL(`${gatehouse.url}/account**`), page.click('button[type="submit"]')]);
    await expect.poll(() => page.locator('#api-keys h2').textContent()).toBe('REST API Keys');

    await page.fill('#api-key-name', 'Browser key');
    await page.selectOption('#api-key-scope', 'agent');
    await Promise.all([page.waitForURL(`${gatehouse.url}/account**`), page.click('#create-api-key button[type="submit"]')]);
    const key = (await page.locator('#new-api-key-value').textContent())!.trim();
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(await page.locator('#api-key-list tbody tr').count()).toBe(1);
    expect(await page.locator('#api-key-list tbody tr td').first().textContent()).toBe('Browser key');

    // Shown once: a reload shows the list, not the key.
    await page.reload();
    expect(await page.locator('#new-api-key-value').count()).toBe(0);
    expect(await page.content()).not.toContain(key);

    // The key works as seed 000 says: HTTP Basic, key as username, empty password.
    const contacts = await call(gatehouse.url, 'GET', '/v2/contacts', { basic: key });
    expect(contacts.status).toBe(200);

    await Promise.all([page.waitForURL(`${gatehouse.url}/account**`), page.click('#api-key-list button[type="submit"]')]);
    expect(await page.locator('#api-key-list').count()).toBe(0);
    await expect.poll(async () => (await call(gatehouse.url, 'GET', '/v2/contacts', { basic: key })).status, { timeout: 1_000 }).toBe(401);
    await page.close();
  });
});
