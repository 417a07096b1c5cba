import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { operations } from '../../src/contract/index.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

// `/docs` is readable in a real browser through the gateway, offline: every request the page
// makes to any other origin is aborted, and the reference still renders every operation.
describe('/docs in a browser', () => {
  let gatehouse: TestGatehouse;
  let browser: Browser;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gatehouse?.stop();
  });

  it('renders every operation from local assets only', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(gatehouse.url)) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    await page.goto(`${gatehouse.url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const rendered = await page.$$eval('.opblock', (blocks) => blocks.length);
    expect(rendered).toBe(operations.length);
    expect(await page.textContent('.info .title')).toContain('Gatehouse API');
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
