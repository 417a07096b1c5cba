import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, registerClient } from './helpers/oauth.js';

// The SPA page printed in docs/oauth-apps.md ("A browser SPA: implicit grant"), run as written (only the addresses and the
// client id substituted), so the guide's instructions cannot drift from what works.
describe('docs/oauth-apps.md SPA example in Chromium', () => {
  let gatehouse: TestGatehouse;
  let browser: Browser;
  let server: http.Server;
  let origin: string;

  beforeAll(async () => {
    const doc = readFileSync(new URL('../../docs/oauth-apps.md', import.meta.url), 'utf8');
    const snippet = /```html\n([\s\S]*?)```/.exec(doc)![1]!;
    // The page's own server listens first, on a port the kernel picks, so no other test can take it.
    let page = '';
    server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gatehouse = await startTestGatehouse();
    const spa = await registerClient(gatehouse, { type: 'spa', redirect_uris: [`${origin}/`] });
    page = snippet
      .replaceAll('http://localhost:8080', gatehouse.url)
      .replaceAll('http://127.0.0.1:5173/', `${origin}/`)
      .replace("'gh_…'", JSON.stringify(spa.client.id));
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await gatehouse?.stop();
  });

  it('signs in, allows, and shows /v2/users/me fetched with the implicit token', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    await page.click('button[type=submit]');
    await page.click('button[value=allow]');
    await page.waitForFunction("document.getElementById('out')?.textContent?.startsWith('{')");
    const body = JSON.parse((await page.textContent('#out'))!) as { ok: boolean; data: { email: string } };
    expect(body).toMatchObject({ ok: true, data: { email: ADMIN.email } });
    expect(page.url()).toBe(`${origin}/`);
  });
});
