import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, insertOrganizationWithWidget } from '../gateway/visitor-fixtures.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { startReceiver, verify, type Receiver } from '../webhooks/helpers.js';
import { ADMIN, createUser, defaultOrganizationId } from './helpers/oauth.js';

// Issue 11 "done when", in Chromium against a real receiver: an admin signs in, adds an endpoint,
// sees its secret once (copy button working under the page's CSP), sends a test event that the
// receiver gets signed with that secret, finds it delivered in the log and replays it (the same
// webhook-id again); then a visitor starts a chat and the receiver gets `chat.started`, verifiable.
// A non-admin cannot open the page.

const SITE = 'https://shop.example.com';

describe('Settings > Webhooks in Chromium', () => {
  let gatehouse: TestGatehouse;
  let browser: Browser;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    gatehouse = await startTestGatehouse({ config: { WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}` } });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gatehouse?.stop();
    await receiver?.close();
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

    await page.fill('#webhook-url', `${receiver.url}/browser`);
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
    const [test] = await receiver.waitFor(1);
    expect(test!.path).toBe('/browser');
    expect(verify(secret, test!)).toMatchObject({ type: 'webhook.test', data: { webhook_id: id } });

    await page.reload();
    const row = page.locator('#delivery-log tr[data-delivery]');
    expect(await row.count()).toBe(1);
    expect(await row.locator('td').first().textContent()).toBe('webhook.test');
    expect(await row.getAttribute('data-status')).toBe('delivered');
    const deliveryId = (await row.getAttribute('data-delivery'))!;
    const stored = await gatehouse.runtime.db.knex('webhook_deliveries').where({ id: deliveryId }).first();
    expect([stored.endpoint_id, stored.event_type, stored.event_id]).toEqual([id, 'webhook.test', test!.id]);

    // Replayed from the log: delivered again, under the same webhook-id.
    await page.click(`tr[data-delivery="${deliveryId}"] button:has-text("Replay")`);
    await page.waitForSelector('#webhook-notice');
    expect(await page.textContent('#webhook-notice')).toBe('The delivery is queued again.');
    const [, again] = await receiver.waitFor(2);
    expect(again!.id).toBe(test!.id);
    expect(verify(secret, again!)).toMatchObject({ type: 'webhook.test' });
    const audit = await gatehouse.runtime.db.knex('audit_events').where({ action: 'webhooks.deliveries.replay', resource_id: deliveryId });
    expect(audit).toHaveLength(1);

    await page.click(`tr[data-delivery="${deliveryId}"] a`);
    await page.waitForSelector('#delivery-payload');
    expect(JSON.parse((await page.textContent('#delivery-payload'))!)).toMatchObject({ type: 'webhook.test', data: { webhook_id: id } });
    expect(violations).toEqual([]);
    await context.close();

    // A visitor starts a chat on the organization's website: the receiver gets `chat.started`.
    const widget = await insertOrganizationWithWidget(gatehouse.runtime.db.knex, [SITE], await defaultOrganizationId(gatehouse));
    const session = await call(gatehouse.url, 'POST', `/v2/widgets/${widget.clientToken}/sessions`, { headers: { origin: SITE }, body: {} });
    const visitor = `Bearer ${(session.body.data as { access_token: string }).access_token}`;
    const started = await call(gatehouse.url, 'POST', '/v2/conversations', { headers: { authorization: visitor }, body: {} });
    expect(started.status).toBe(201);
    const [, , chat] = await receiver.waitFor(3);
    expect(verify(secret, chat!)).toMatchObject({ type: 'chat.started', data: { token: (started.body.data as { token: string }).token } });
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
