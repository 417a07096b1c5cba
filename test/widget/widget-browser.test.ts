import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_URL, WEBVIEW_HOST, inWidget, routeBankPages, shot, startWidgetWorld, type WidgetWorld } from './harness.js';

// Issue 14, the visitor's side in Chromium: the demo page embeds the widget, a visitor session
// opens, the visitor writes (stored, read back through the API), a bot's messages of every rich
// variant arrive live and render with their roles, quick replies send a postback and go away, the
// carousel moves with the arrow keys, a web view opens in the sandboxed panel and closing it
// returns focus, a cut event stream resumes with Last-Event-ID without duplicates, the visitor
// rates the chat, every control has a name, and markup in a message shows as text.

interface Message { id: string; seq: number; text: string; author: { type: string }; postback: { element_id: string } | null }

describe('the chat widget on the demo page', () => {
  let world: WidgetWorld;
  let clientToken: string;
  let context: BrowserContext;
  let page: Page;
  let conversation: string;
  const eventRequests: { lastEventId: string | undefined }[] = [];

  beforeAll(async () => {
    world = await startWidgetWorld();
    clientToken = await world.createWidget([world.relay.url]);
    await world.as(world.admin, 'POST', `/v2/widgets/${clientToken}/cards`, { type: 'link', title: 'Opening hours', url: 'https://bank.example/hours' });
    context = await world.browser.newContext();
    await routeBankPages(context);
    page = await context.newPage();
    page.on('request', (request) => {
      if (/\/conversations\/[^/]+\/events$/.test(new URL(request.url()).pathname)) eventRequests.push({ lastEventId: request.headers()['last-event-id'] });
    });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await world?.close();
  });

  const widget = () => page.locator('[data-gatehouse-widget]');
  const messages = () => widget().locator('[role=log] .message');
  const bot = (content: unknown) => world.as(world.bot, 'POST', `/v2/conversations/${conversation}/messages`, { content });
  const stored = async () => ((await world.as(world.admin, 'GET', `/v2/conversations/${conversation}/messages?limit=100`)).body.data as unknown as Message[]);
  const waitForMessage = (id: string) => widget().locator(`[data-id="${id}"]`).waitFor();

  it('without a client token, the demo page tells how to make a widget', async () => {
    const response = await page.goto(`${world.relay.url}/widget/demo`);
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.textContent('#demo-help')).toContain('/widget/demo?client_token=');
    expect(await page.textContent('main')).toContain(`"allowed_origins":["${world.gatehouse.url}"]`);
    await shot(page, '01-demo-help');
  });

  it('loads the widget, opens a session and stores what the visitor writes', async () => {
    await page.goto(`${world.relay.url}/widget/demo?client_token=${clientToken}`);
    await page.waitForSelector('[data-gatehouse-widget][data-state=ready]');
    const secret = await page.evaluate(`JSON.parse(localStorage.getItem('gatehouse-widget:${clientToken}')).secret`);
    expect(secret).toMatch(/^vsk_/);
    expect(await widget().getByRole('region', { name: 'Bank chat' }).isVisible()).toBe(true);
    expect(await widget().getByText('Hi! I am Freddy.').isVisible()).toBe(true);
    await widget().getByRole('tab', { name: 'Home' }).click();
    expect(await widget().getByRole('link', { name: 'Opening hours' }).getAttribute('href')).toBe('https://bank.example/hours');
    await widget().getByRole('tab', { name: 'Chat' }).click();
    await shot(page, '02-widget-open');

    await widget().getByRole('textbox', { name: 'Message' }).fill('I need my account statement');
    await widget().getByRole('button', { name: 'Send', exact: true }).click();
    await messages().first().waitFor();
    conversation = await page.evaluate(`JSON.parse(localStorage.getItem('gatehouse-widget:${clientToken}')).conversation`);
    const [first] = await stored();
    expect([first!.author.type, first!.text]).toEqual(['visitor', 'I need my account statement']);
    expect(await messages().first().getAttribute('data-id')).toBe(first!.id);
    await shot(page, '03-visitor-wrote');
  });

  it('shows a bot\'s messages live, every rich variant with its role', async () => {
    const text = await bot({ type: 'text', text: 'Hello, I am Freddy.' });
    await waitForMessage((text.body.data as Message).id);
    expect(await widget().getByRole('log', { name: 'Messages' }).getAttribute('aria-live')).toBe('polite');

    const image = await bot({ type: 'image', fallback_text: 'Your statement', image: { url: IMAGE_URL, mime: 'image/png', alt: 'Statement preview' }, caption: 'March' });
    const gif = await bot({ type: 'gif', fallback_text: 'Thumbs up', image: { url: 'https://images.bank.example/ok.gif', mime: 'image/gif', alt: 'Thumbs up' } });
    const buttons = await bot({
      type: 'buttons', fallback_text: 'Ways to reach us', text: 'How can we reach you?', buttons: [
        { id: 'site', type: 'url', title: 'Our site', url: 'https://bank.example/', target: 'new' },
        { id: 'here', type: 'url', title: 'Statements page', url: 'https://bank.example/statements', target: 'current' },
        { id: 'call', type: 'phone', title: 'Call us', phone: '+441632960001' },
      ],
    });
    const card = await bot({ type: 'card', fallback_text: 'Gold card', id: 'gold', title: 'Gold card', subtitle: 'No fees abroad', buttons: [{ id: 'gold-more', type: 'postback', title: 'Tell me more' }] });
    const single = await bot({ type: 'dropdown', fallback_text: 'Pick an account', text: 'Which account?', options: [{ id: 'checking', label: 'Checking', value: 'c' }, { id: 'savings', label: 'Savings', value: 's' }] });
    const multiple = await bot({ type: 'dropdown', fallback_text: 'Pick months', text: 'Which months?', multiple: true, options: [{ id: 'jan', label: 'January', value: '1' }, { id: 'feb', label: 'February', value: '2' }] });
    await waitForMessage((multiple.body.data as Message).id);

    expect(await widget().getByRole('img', { name: 'Statement preview' }).getAttribute('src')).toBe(IMAGE_URL);
    expect(await widget().getByText('March').isVisible()).toBe(true);
    expect(await widget().getByRole('img', { name: 'Thumbs up' }).count()).toBe(1);
    expect(await widget().getByRole('link', { name: 'Our site' }).getAttribute('target')).toBe('_blank');
    expect(await widget().getByRole('link', { name: 'Our site' }).getAttribute('rel')).toBe('noopener noreferrer');
    expect(await widget().getByRole('link', { name: 'Statements page' }).getAttribute('target')).toBe('_top');
    expect(await widget().getByRole('link', { name: 'Call us' }).getAttribute('href')).toBe('tel:+441632960001');
    expect(await widget().getByRole('group', { name: 'Gold card' }).getByRole('button', { name: 'Tell me more' }).count()).toBe(1);
    expect(await widget().getByRole('combobox', { name: 'Which account?' }).count()).toBe(1);
    expect(await widget().getByRole('listbox', { name: 'Which months?' }).count()).toBe(1);
    for (const answer of [image, gif, buttons, card, single]) expect(answer.status).toBe(201);
    await shot(page, '04-rich-variants');

    // Drop-downs answer with postbacks: one for a single choice, one per option of a multiple one.
    await widget().getByRole('combobox', { name: 'Which account?' }).selectOption('savings');
    await widget().locator(`[data-id="${(single.body.data as Message).id}"]`).getByRole('button', { name: 'Send choice' }).click();
    await widget().getByRole('listbox', { name: 'Which months?' }).selectOption(['jan', 'feb']);
    await widget().locator(`[data-id="${(multiple.body.data as Message).id}"]`).getByRole('button', { name: 'Send choice' }).click();
    await expect.poll(async () => (await stored()).filter((m) => m.postback).map((m) => m.postback!.element_id)).toEqual(['savings', 'jan', 'feb']);
  });

  it('sends a quick reply as a postback and dismisses the replies', async () => {
    const replies = await bot({ type: 'quick_replies', fallback_text: 'Statement or cards?', text: 'What do you need?', replies: [{ id: 'statement', title: 'Statement' }, { id: 'cards', title: 'Cards' }] });
    const group = widget().getByRole('group', { name: 'What do you need?' });
    await group.waitFor();
    await shot(page, '05-quick-replies');
    await group.getByRole('button', { name: 'Statement' }).click();
    await group.waitFor({ state: 'detached' });
    await expect.poll(async () => (await stored()).at(-1)?.postback).toEqual({ message_id: (replies.body.data as Message).id, element_id: 'statement' });
    expect((await stored()).at(-1)!.text).toBe('Statement');
  });

  it('moves through a carousel with the arrow keys', async () => {
    const carousel = await bot({
      type: 'carousel', fallback_text: 'Our cards', cards: [
        { id: 'classic', title: 'Classic', buttons: [{ id: 'classic-pick', type: 'postback', title: 'Pick Classic' }] },
        { id: 'gold2', title: 'Gold', image: { url: IMAGE_URL, mime: 'image/png', alt: 'Gold card' } },
        { id: 'platinum', title: 'Platinum', subtitle: 'For travellers' },
      ],
    });
    await waitForMessage((carousel.body.data as Message).id);
    const region = widget().getByRole('region', { name: 'Our cards' });
    expect(await region.getAttribute('aria-roledescription')).toBe('carousel');
    await region.getByRole('group', { name: '1 of 3: Classic' }).focus();
    const focused = () => inWidget<string | null>(page, "root.activeElement && root.activeElement.getAttribute('aria-label')");
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('2 of 3: Gold');
    await page.keyboard.press('End');
    expect(await focused()).toBe('3 of 3: Platinum');
    await page.keyboard.press('ArrowLeft');
    expect(await focused()).toBe('2 of 3: Gold');
    await shot(page, '06-carousel');
  });

  it('opens a web view in the sandboxed panel at its height; closing returns focus', async () => {
    const url = `https://${WEBVIEW_HOST}/card-details`;
    await bot({ type: 'buttons', fallback_text: 'Enter your card', text: 'Please enter your card details.', buttons: [{ id: 'open-form', type: 'webview', title: 'Enter card details', url, height: 'tall' }] });
    const opener = widget().getByRole('button', { name: 'Enter card details' });
    await opener.click();
    const dialog = widget().getByRole('dialog', { name: 'Enter card details' });
    await dialog.waitFor();
    expect(await dialog.getAttribute('data-height')).toBe('tall');
    const frame = dialog.locator('iframe');
    expect(await frame.getAttribute('src')).toBe(url);
    expect(await frame.getAttribute('sandbox')).toBe('allow-scripts allow-forms allow-same-origin allow-popups');
    await page.frameLocator('[data-gatehouse-widget] iframe').locator('#card').fill('4111 1111 1111 1111');
    expect(await inWidget(page, "root.activeElement && root.activeElement.closest('[role=dialog]') !== null")).toBe(true);
    await shot(page, '07-webview-panel');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await inWidget(page, 'root.activeElement && root.activeElement.textContent')).toBe('Enter card details');
    // The card number stayed in the bank's page: nothing of it reached Gatehouse.
    expect(JSON.stringify(await stored())).not.toContain('4111');
  });

  it('resumes a cut event stream with Last-Event-ID, without duplicates', async () => {
    const before = (await stored()).at(-1)!.seq;
    const requests = eventRequests.length;
    world.relay.cut();
    const missed = await bot({ type: 'text', text: 'Sent while you were offline' });
    await waitForMessage((missed.body.data as Message).id);
    const resumed = eventRequests.slice(requests);
    expect(resumed.length).toBeGreaterThan(0);
    expect(Number(resumed[0]!.lastEventId)).toBeGreaterThanOrEqual(before);
    const ids = await inWidget<string[]>(page, "Array.from(root.querySelectorAll('[role=log] .message'), (el) => el.dataset.id)");
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength((await stored()).length);
  });

  it('lets the visitor rate the chat', async () => {
    await widget().getByRole('radio', { name: '4 of 5' }).check();
    await widget().getByRole('textbox', { name: 'Comment (optional)' }).fill('Quick answers');
    await widget().getByRole('button', { name: 'Send rating' }).click();
    await widget().getByRole('status').getByText('Thank you for your rating.').waitFor();
    const fetched = await world.as(world.admin, 'GET', `/v2/conversations/${conversation}`);
    expect((fetched.body.data as { rating: { score: number; comment: string } }).rating).toMatchObject({ score: 4, comment: 'Quick answers' });
    await shot(page, '08-rated');
  });

  it('names every control for screen readers', async () => {
    const snapshot = await widget().ariaSnapshot();
    expect(snapshot).toContain('- log "Messages"');
    const unnamed = snapshot.split('\n').filter((line) => /^\s*- (button|link|textbox|combobox|listbox|radio|tab|tablist|dialog|region|log|img)\b(?! ")/.test(line));
    expect(unnamed).toEqual([]);
  });

  it('shows markup in a message as text', async () => {
    const markup = '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>';
    await widget().getByRole('textbox', { name: 'Message' }).fill(markup);
    await widget().getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(async () => (await stored()).at(-1)?.text).toBe(markup);
    const item = widget().locator(`[data-id="${(await stored()).at(-1)!.id}"]`);
    await item.waitFor();
    expect(await item.locator('.text').textContent()).toBe(markup);
    expect(await item.locator('img, b').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
  });
});
