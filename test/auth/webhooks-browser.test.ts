import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, createUser, defaultOrganizationId } from './helpers/oauth.js';

// Issue 11 "done when", the settings half, in Chromium: an admin signs in, adds an endpoint, sees
// its secret once (copy button working under the page's CSP), sends a test event, finds it in the
// delivery log and replays it; a non-admin cannot open the page.

describe('Settings > Webhooks in Chromium', () => {
  let gatehouse: TestGatehouse;
  let browser: Browser;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gatehouse?.stop();
  });

  it('creates an endpoint, shows the secret once, sends a test event and replays it from the log', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gatehouse.url });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => { if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text()); });

    await page.goto(`${gatehouse.url}/account/webhooks`);
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#create-webhook');
    expect(new URL(page.url()).pathname).toBe('/account/webhooks');

    await page.fill('#webhook-url', 'https://hooks.example.test/browser');
    await page.fill('#webhook-description', 'From the browser');
    await page.check('#create-webhook input[name=events][value="chat.started"]');
    await page.check('#create-webhook input[name=events][value="ticket.created"]');
    await page.click('#create-webhook button[type=submit]');
    await page.waitForSelector('#new-webhook-secret');
    const secret = (await page.textContent('#webhook-secret-value'))!;
    expect(secret).toMatch(/^whsec_/);
    const copy = page.locator('button[data-copy="webhook-secret-value"]');
    expect(await copy.isVisible()).toBe(true);
    await copy.click();
    // Browser-side expressions as strings: this file is compiled without the DOM's types.
    await page.waitForFunction("document.querySelector('button[data-copy]').textContent !== 'Copy'");
    if ((await copy.textContent()) === 'Copied') expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    else expect(await page.evaluate('getSelection().toString()')).toBe(secret);
    const id = new URL(page.url()).pathname.split('/').pop()!;

    await page.reload();
    await page.waitForSelector('#webhook-state');
    expect(await page.locator('#new-webhook-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await page.textContent('#webhook-state')).toContain('Enabled');

    await page.click('button:has-text("Send test event")');
    await page.waitForSelector('#webhook-notice');
    expect(await page.textContent('#webhook-notice')).toContain('test event is on its way');
    const row = page.locator('#delivery-log tr[data-delivery]');
    expect(await row.count()).toBe(1);
    expect(await row.locator('td').first().textContent()).toBe('webhook.test');
    const deliveryId = (await row.getAttribute('data-delivery'))!;
    const stored = await gatehouse.runtime.db.knex('webhook_deliveries').where({ id: deliveryId }).first();
    expect([stored.endpoint_id, stored.event_type]).toEqual([id, 'webhook.test']);

    // As the worker leaves a delivery that failed, then the admin replays it from the log.
    await gatehouse.runtime.db.knex('webhook_deliveries').where({ id: deliveryId }).update({ status: 'failed', attempt: 3, last_error: 'connection refused' });
    await page.reload();
    expect(await page.getAttribute(`tr[data-delivery="${deliveryId}"]`, 'data-status')).toBe('failed');
    await page.click(`tr[data-delivery="${deliveryId}"] button:has-text("Replay")`);
    await page.waitForSelector('#webhook-notice');
    expect(await page.textContent('#webhook-notice')).toBe('The delivery is queued again.');
    const audit = await gatehouse.runtime.db.knex('audit_events').where({ action: 'webhooks.deliveries.replay', resource_id: deliveryId });
    expect(audit).toHaveLength(1);

    await page.click(`tr[data-delivery="${deliveryId}"] a`);
    await page.waitForSelector('#delivery-payload');
    expect(JSON.parse((await page.textContent('#delivery-payload'))!)).toMatchObject({ type: 'webhook.test', data: { webhook_id: id } });
    expect(violations).toEqual([]);
    await context.close();
  });

  it('does not open for a member who is not an admin', async () => {
    const agent = await createUser(gatehouse, [{ organizationId: await defaultOrganizationId(gatehouse), role: 'agent' }]);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gatehouse.url}/account/webhooks`);
    await page.fill('#email', agent.email);
    await page.fill('#password', agent.password);
    const [response] = await Promise.all([page.waitForResponse((res) => new URL(res.url()).pathname === '/account/webhooks'), page.click('button[type=submit]')]);
    expect(response.status()).toBe(403);
    expect(await page.textContent('body')).toContain('Only admins of an organization manage its webhooks.');
    expect(await page.locator('#create-webhook').count()).toBe(0);
    await context.close();
  });
});
