import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { freePort } from '../helpers/net.js';
import { ADMIN, registerClient } from './helpers/oauth.js';

// The SPA page printed in docs/readme/oauth.md, run as written (only the addresses and the
// client id substituted), so the README's instructions cannot drift from what works.
describe('docs/readme/oauth.md SPA example in Chromium', () => {
  let gatehouse: TestGatehouse;
  let browser: Browser;
  let server: http.Server;
  let origin: string;

  beforeAll(async () => {
    const doc = readFileSync(new URL('../../docs/readme/oauth.md', import.meta.url), 'utf8');
    const snippet = /```html\n([\s\S]*?)```/.exec(doc)![1]!;
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    gatehouse = await startTestGatehouse();
    const spa = await registerClient(gatehouse, { type: 'spa', redirect_uris: [`${origin}/`] });
    const page = snippet
      .replaceAll('http://localhost:8080', gatehouse.url)
      .replaceAll('http://127.0.0.1:5173/', `${origin}/`)
      .replace("'gh_…'", JSON.stringify(spa.client.id));
    server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
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
