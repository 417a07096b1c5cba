import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_URL, WEBVIEW_HOST, inWidget, routeBankPages, shot, startHostSite, startWidgetWorld, type HostSite, type WidgetWorld } from './harness.js';

// Issue 14, the visitor's side in Chromium: the demo page embeds the widget, a visitor session
// opens, the visitor writes (stored, read back through the API), a bot's messages of every rich
// variant arrive live and render with their roles, quick replies send a postback and go away, the
// carousel moves with the arrow keys, a web view opens in the sandboxed panel and closing it
// returns focus, a cut event stream resumes with Last-Event-ID without duplicates, the visitor
// rates the chat, every control has a name, and markup in a message shows as text. Then a site of
// its own with a strict CSP: no violation, the host's styles stay out; a site the widget does not
// allow gets a clear refusal. And the script's URLs and caching.

interface Message { id: string; seq: number; text: string; author: { type: string }; postback: { element_id: string } | null }

const idOf = (answer: { body: { data?: Record<string, unknown> } }) => (answer.body.data as { id: string }).id;

describe('the chat widget on the demo page', () => {
  let world: WidgetWorld;
  let clientToken: string;
  let context: BrowserContext;
  let page: Page;
  let conversation: string;
  // The bank's own site (its widget allows it) and a site no widget allows. Every widget is made
  // before the browser's first request: the gateway learns new origins only every few seconds.
  let site: HostSite;
  let other: HostSite;
  let siteToken: string;
  const eventRequests: { lastEventId: string | undefined }[] = [];

  beforeAll(async () => {
    world = await startWidgetWorld();
    clientToken = await world.createWidget([world.relay.url]);
    [site, other] = await Promise.all([startHostSite(world.gatehouse.url), startHostSite(world.gatehouse.url)]);
    siteToken = await world.createWidget([site.url]);
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
    await Promise.all([site?.close(), other?.close()]);
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
    await waitForMessage(idOf(text));
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
    await waitForMessage(idOf(multiple));

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
    await widget().locator(`[data-id="${idOf(single)}"]`).getByRole('button', { name: 'Send choice' }).click();
    await widget().getByRole('listbox', { name: 'Which months?' }).selectOption(['jan', 'feb']);
    await widget().locator(`[data-id="${idOf(multiple)}"]`).getByRole('button', { name: 'Send choice' }).click();
    await expect.poll(async () => (await stored()).filter((m) => m.postback).map((m) => m.postback!.element_id)).toEqual(['savings', 'jan', 'feb']);
  });

  it('sends a quick reply as a postback and dismisses the replies', async () => {
    const replies = await bot({ type: 'quick_replies', fallback_text: 'Statement or cards?', text: 'What do you need?', replies: [{ id: 'statement', title: 'Statement' }, { id: 'cards', title: 'Cards' }] });
    const group = widget().getByRole('group', { name: 'What do you need?' });
    await group.waitFor();
    await shot(page, '05-quick-replies');
    await group.getByRole('button', { name: 'Statement' }).click();
    await group.waitFor({ state: 'detached' });
    await expect.poll(async () => (await stored()).at(-1)?.postback).toEqual({ message_id: idOf(replies), element_id: 'statement' });
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
    await waitForMessage(idOf(carousel));
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
    // (Not just "4111": a random message id may hold those four digits.)
    const everything = JSON.stringify(await stored());
    expect(everything).not.toContain('4111 1111');
    expect(everything).not.toContain('41111111');
  });

  it('resumes a cut event stream with Last-Event-ID, without duplicates', async () => {
    const before = (await stored()).at(-1)!.seq;
    const requests = eventRequests.length;
    world.relay.cut();
    const missed = await bot({ type: 'text', text: 'Sent while you were offline' });
    await waitForMessage(idOf(missed));
    const resumed = eventRequests.slice(requests);
    expect(resumed.length).toBeGreaterThan(0);
    expect(Number(resumed[0]!.lastEventId)).toBeGreaterThanOrEqual(before);
    const ids = await inWidget<string[]>(page, "Array.from(root.querySelectorAll('[role=log] .message'), (el) => el.dataset.id)");
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength((await stored()).length);
  });

  it('lets the visitor rate the chat', async () => {
    await widget().getByText('Rate this chat').click();
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

  it('works on a site with a strict Content-Security-Policy, untouched by its styles', async () => {
    const token = siteToken;
    const hostContext = await world.browser.newContext();
    try {
      await routeBankPages(hostContext);
      await hostContext.addInitScript("window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));");
      const host = await hostContext.newPage();
      const console: string[] = [];
      host.on('console', (message) => { if (/Content Security Policy|Refused to/i.test(message.text())) console.push(message.text()); });
      const hostWidget = host.locator('[data-gatehouse-widget]');

      await host.goto(`${site.url}/?client_token=${token}`);
      await host.waitForSelector('[data-gatehouse-widget][data-state=ready]');
      // The host's stylesheet paints every button red; the widget's buttons keep their own colours.
      await host.evaluate("(() => { const s = new CSSStyleSheet(); s.replaceSync('button { background: rgb(255, 0, 0) !important; }'); document.adoptedStyleSheets = [s]; })()");
      expect(await host.evaluate("getComputedStyle(document.querySelector('body > button')).backgroundColor")).toBe('rgb(255, 0, 0)');
      expect(await inWidget(host, "getComputedStyle(root.querySelector('.launcher')).backgroundColor")).not.toBe('rgb(255, 0, 0)');

      await hostWidget.getByRole('textbox', { name: 'Message' }).fill('Hello from the bank site');
      await hostWidget.getByRole('button', { name: 'Send', exact: true }).click();
      await hostWidget.locator('[role=log] .message').first().waitFor();
      const started = await host.evaluate(`JSON.parse(localStorage.getItem('gatehouse-widget:${token}')).conversation`);
      const answer = await world.as(world.bot, 'POST', `/v2/conversations/${started}/messages`, { content: {
        type: 'card', fallback_text: 'Statement', id: 'statement', title: 'Your statement', image: { url: IMAGE_URL, mime: 'image/png', alt: 'Statement' },
        buttons: [{ id: 'details', type: 'webview', title: 'Card details', url: `https://${WEBVIEW_HOST}/form`, height: 'compact' }],
      } });
      await hostWidget.locator(`[data-id="${idOf(answer)}"]`).waitFor();
      await hostWidget.getByRole('img', { name: 'Statement' }).evaluate('(img) => img.decode()');
      await hostWidget.getByRole('button', { name: 'Card details' }).click();
      await host.frameLocator('[data-gatehouse-widget] iframe').locator('#card').waitFor();
      expect(await hostWidget.getByRole('dialog', { name: 'Card details' }).getAttribute('data-height')).toBe('compact');
      await shot(host, '09-strict-csp-site');
      expect(await host.evaluate('window.__violations')).toEqual([]);
      expect(console).toEqual([]);

      // On a site the widget does not allow, a clear refusal, whether the origin is another
      // widget's (the configuration loads, the session is refused) or no widget's at all.
      const refusal = (origin: string) => `The chat cannot be opened on ${origin}: this address is not one of the widget's allowed origins, or the chat service cannot be reached.`;
      await host.goto(`${site.url}/?client_token=${clientToken}`);
      await host.waitForSelector('[data-gatehouse-widget][data-state=refused]');
      expect(await hostWidget.getByRole('alert').textContent()).toBe(refusal(site.url));
      await host.goto(`${other.url}/?client_token=${token}`);
      await host.waitForSelector('[data-gatehouse-widget][data-state=refused]');
      expect(await hostWidget.getByRole('alert').textContent()).toBe(refusal(other.url));
      await shot(host, '10-origin-refused');
    } finally {
      await hostContext.close();
    }
  });

  it('serves the script at a stable URL and at an immutable, content-hashed one', async () => {
    const stable = await fetch(`${world.gatehouse.url}/widget.js`);
    expect(stable.status).toBe(200);
    expect(stable.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(stable.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate');
    expect(stable.headers.get('content-encoding')).toBe('gzip');
    const body = await stable.text();
    expect(body).not.toMatch(/\beval\(|new Function\(|innerHTML/);
    const versioned = stable.headers.get('content-location')!;
    expect(versioned).toMatch(/^\/widget\/[0-9a-f]{16}\/widget\.js$/);
    const immutable = await fetch(world.gatehouse.url + versioned);
    expect([immutable.status, immutable.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    expect(await immutable.text()).toBe(body);
    const revalidated = await fetch(`${world.gatehouse.url}/widget.js`, {
      // fetch adds `cache-control: no-cache` to a conditional request unless it has one.
      headers: { 'if-none-match': stable.headers.get('etag')!, 'cache-control': 'max-age=0' },
    });
    expect(revalidated.status).toBe(304);
    const answers = await Promise.all(['/widget/0123456789abcdef/widget.js', '/Widget.js', '/widget.js/', '/widget/demo/', '/widget'].map(async (path) => (await fetch(world.gatehouse.url + path)).status));
    expect(answers).toEqual([404, 404, 404, 404, 404]);
    expect((await fetch(`${world.gatehouse.url}/widget.js`, { method: 'POST' })).status).toBe(405);
  });
});
