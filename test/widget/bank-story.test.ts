import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBankBot, type BankBot } from '../../examples/bank-bot/bot.js';
import { call } from '../gateway/visitor-fixtures.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { SHOTS, shot } from './harness.js';

// The bank's story of the product description, end to end in Chromium, as a newcomer lives it:
// Gatehouse (gateway, auth server, API, webhook worker), the reference bot started with its one
// command's function, and the demo page it prints. The visitor writes, Freddy answers with quick
// replies, the visitor picks "Account statement", opens the bot's own card-details page in the
// widget's web-view panel, fills it, closes the panel, and Freddy goes on with only the last four
// digits; then "Talk to a human" transfers the chat, the agent's answer arrives live, and the
// visitor rates the chat. Screenshots go to test-results/widget/story-*.png.

const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };
const CARD = '4111 1111 1111 1111';

interface Message { id: string; text: string; author: { type: string }; content: Record<string, unknown> }

describe("the bank's story in a browser: widget, bot, web view, hand-off", () => {
  let gatehouse: TestGatehouse;
  let bot: BankBot;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: string;
  let conversation: string;

  const as = (authorization: string, method: string, p: string, body?: unknown) => call(gatehouse.url, method, p, { headers: { authorization }, ...(body === undefined ? {} : { body }) });
  const widget = () => page.locator('[data-gatehouse-widget]');
  const stored = async () => ((await as(admin, 'GET', `/v2/conversations/${conversation}/messages?limit=100`)).body.data as unknown as Message[]);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The start command of the bot's guide: webhooks may reach a bot on this machine.
    gatehouse = await startTestGatehouse({ config: { WEBHOOK_ALLOWED_HOSTS: ['127.0.0.1'], WIDGET_DEMO: true } });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bank-story-'));
    bot = await startBankBot({ gatehouseUrl: gatehouse.url, port: 0, admin: ADMIN, dataDir });
    admin = `Bearer ${(await call(gatehouse.url, 'POST', '/v2/auth/token', { body: ADMIN })).body.token as unknown as string}`;
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await bot?.close();
    await gatehouse?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens the demo page the bot printed; a visitor says hi and Freddy answers with quick replies', async () => {
    await page.goto(bot.demoUrl);
    await page.waitForSelector('[data-gatehouse-widget][data-state=ready]');
    await widget().getByRole('textbox', { name: 'Message' }).fill('hi');
    await widget().getByRole('button', { name: 'Send', exact: true }).click();
    const menu = widget().getByRole('group', { name: "Hi, I'm Freddy, AG Bank's assistant. How can I help you today?" });
    await menu.waitFor({ timeout: 15_000 });
    conversation = await page.evaluate(`JSON.parse(localStorage.getItem('gatehouse-widget:${bot.state.widget_client_token}')).conversation`);
    expect((await stored()).map((m) => [m.author.type, m.text])[0]).toEqual(['visitor', 'hi']);
    expect(await menu.getByRole('button').allTextContents()).toEqual(['Account statement', 'Products', 'Talk to a human']);
    await shot(page, 'story-01-greeting');
  });

  it('"Account statement": the bot\'s page opens in the panel, the visitor enters the card there, closes it, and the chat goes on', async () => {
    await widget().getByRole('button', { name: 'Account statement' }).click();
    const opener = widget().getByRole('button', { name: 'Enter card details' });
    await opener.waitFor({ timeout: 15_000 });
    await opener.click();
    const dialog = widget().getByRole('dialog', { name: 'Enter card details' });
    await dialog.waitFor();
    expect(await dialog.getAttribute('data-height')).toBe('tall');
    expect(await dialog.locator('iframe').getAttribute('src')).toMatch(new RegExp(`^${bot.url}/statement/[A-Za-z0-9_-]{22}$`));
    const form = page.frameLocator('[data-gatehouse-widget] iframe');
    await form.getByLabel('Card number').fill(CARD);
    await form.getByLabel('Expiry date (MM/YY)').fill('12/29');
    await shot(page, 'story-02-card-form');
    await form.getByRole('button', { name: 'Get my statement' }).click();
    await form.getByText('You can close this window.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const followUp = 'Thanks! Your statement for the card ending 1111 is ready. Anything else I can help with?';
    await widget().getByText(followUp).waitFor({ timeout: 15_000 });
    // The card stayed with the bank: Gatehouse holds only the last four digits.
    const everything = JSON.stringify(await stored());
    expect(everything).not.toContain('4111 1111');
    expect(everything).not.toContain('41111111');
    await shot(page, 'story-03-statement-ready');
  });

  const write = async (text: string) => {
    await widget().getByRole('textbox', { name: 'Message' }).fill(text);
    await widget().getByRole('button', { name: 'Send', exact: true }).click();
  };

  it('asked about products, Freddy shows a carousel the visitor can page with the keyboard', async () => {
    await write('What products do you have?');
    const carousel = widget().getByRole('region', { name: 'Everyday account, Gold credit card, Savings account' });
    await carousel.waitFor({ timeout: 15_000 });
    expect(await carousel.getAttribute('aria-roledescription')).toBe('carousel');
    await carousel.getByRole('group', { name: '1 of 3: Everyday account' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate("document.querySelector('[data-gatehouse-widget]').shadowRoot.activeElement.getAttribute('aria-label')")).toBe('2 of 3: Gold credit card');
    await shot(page, 'story-04-products');
  });

  it('asked for a person, Freddy transfers the chat; the agent answers live, and the visitor rates the chat', async () => {
    await write('Can I talk to a person, please?');
    await expect.poll(async () => ((await as(admin, 'GET', `/v2/conversations/${conversation}`)).body.data as { assignee: { id: string } | null }).assignee?.id ?? null, { timeout: 15_000 })
      .not.toBeNull();
    const answer = await as(admin, 'POST', `/v2/conversations/${conversation}/messages`, { content: { type: 'text', text: 'Hello, this is Ada from AG Bank. How can I help?' } });
    expect(answer.status).toBe(201);
    await widget().getByText('Hello, this is Ada from AG Bank. How can I help?').waitFor();
    await shot(page, 'story-05-agent');

    await widget().getByText('Rate this chat').click();
    await widget().getByRole('radio', { name: '5 of 5' }).check();
    await widget().getByRole('textbox', { name: 'Comment (optional)' }).fill('Freddy was quick');
    await widget().getByRole('button', { name: 'Send rating' }).click();
    await widget().getByRole('status').getByText('Thank you for your rating.').waitFor();
    const rated = await as(admin, 'GET', `/v2/conversations/${conversation}`);
    expect((rated.body.data as { rating: { score: number; comment: string } }).rating).toMatchObject({ score: 5, comment: 'Freddy was quick' });
    await shot(page, 'story-06-rated');
  });
});
