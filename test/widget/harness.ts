import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { call, memberKey } from '../gateway/visitor-fixtures.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { defaultOrganizationId } from '../auth/helpers/oauth.js';

// The widget's browser tests (issue 14): Gatehouse, a TCP relay in front of its gateway (closing
// the relay's connections cuts the widget's event stream, as a flaky network would), host pages on
// loopback ports of their own, and Chromium. Screenshots of each step go to test-results/widget/
// (gitignored), for people to look at; nothing compares them.

export const WEBVIEW_HOST = 'forms.bank.example';
export const IMAGE_URL = 'https://images.bank.example/statement.png';
export const SHOTS = 'test-results/widget';

/** A relay to the gateway whose open connections the test can cut. */
export interface Relay { url: string; cut(): void; close(): Promise<void> }

export async function startRelay(target: string): Promise<Relay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => { for (const socket of sockets) socket.destroy(); },
    close: () => new Promise<void>((resolve) => { for (const socket of sockets) socket.destroy(); server.close(() => resolve()); }),
  };
}

/** A site embedding the widget (`?client_token=`) under a strict Content-Security-Policy that names only Gatehouse. */
export interface HostSite { url: string; close(): Promise<void> }

export async function startHostSite(gatehouse: string): Promise<HostSite> {
  const policy = [
    "default-src 'none'", `script-src ${gatehouse}`, `connect-src ${gatehouse}`, 'img-src https:', `frame-src https://${WEBVIEW_HOST}`,
    "style-src 'none'", "base-uri 'none'", "form-action 'none'",
  ].join('; ');
  const server = http.createServer((req, res) => {
    const clientToken = new URL(req.url ?? '/', 'http://site').searchParams.get('client_token') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': policy });
    res.end(`<!DOCTYPE html><html lang="en"><head><title>Bank</title></head><body><h1>Bank</h1>
<button>Host button</button>
<script src="${gatehouse}/widget.js" data-client-token="${clientToken}" data-open="true" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
}

export interface WidgetWorld {
  gatehouse: TestGatehouse;
  relay: Relay;
  browser: Browser;
  admin: string;
  bot: string;
  organizationId: string;
  as(authorization: string, method: string, path: string, body?: unknown): ReturnType<typeof call>;
  /** A widget allowing these origins (the relay's is the demo page's). */
  createWidget(origins: string[], extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startWidgetWorld(): Promise<WidgetWorld> {
  mkdirSync(SHOTS, { recursive: true });
  const gatehouse = await startTestGatehouse({ config: { WIDGET_DEMO: true } });
  const relay = await startRelay(gatehouse.url);
  const browser = await launchBrowser();
  const knex = gatehouse.runtime.db.knex;
  const organizationId = await defaultOrganizationId(gatehouse);
  const hash = gatehouse.runtime.secrets.derive('api-key-hash');
  const [admin, bot] = await Promise.all([memberKey(knex, hash, organizationId, 'admin'), memberKey(knex, hash, organizationId, 'bot')]);
  const as = (authorization: string, method: string, path: string, body?: unknown) =>
    call(gatehouse.url, method, path, { headers: { authorization }, ...(body !== undefined ? { body } : {}) });
  const hosts = await as(admin, 'PATCH', `/v2/organizations/${organizationId}`, { webview_hosts: [WEBVIEW_HOST] });
  expect(hosts.status).toBe(200);
  return {
    gatehouse, relay, browser, admin, bot, organizationId, as,
    async createWidget(origins, extra = {}) {
      const created = await as(admin, 'POST', '/v2/widgets', { name: 'Bank chat', allowed_origins: origins, config: { greeting: 'Hi! I am Freddy.' }, ...extra });
      expect(created.status).toBe(201);
      return (created.body.data as { client_token: string }).client_token;
    },
    async close() {
      await browser.close();
      await relay.close();
      await gatehouse.stop();
    },
  };
}

/** Serves the bank's web-view page and image to the browser (their hosts are not reachable here). */
export async function routeBankPages(context: BrowserContext): Promise<void> {
  await context.route(`https://${WEBVIEW_HOST}/**`, (route) => route.fulfill({
    status: 200, contentType: 'text/html',
    body: '<!DOCTYPE html><title>Card details</title><h1>Card details</h1><label>Card number <input id="card"></label>',
  }));
  // A 1x1 PNG.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  await context.route('https://images.bank.example/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: png }));
}

/** A browser-side expression evaluated with `root` bound to the widget's shadow root. */
export function inWidget<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(`(() => { const root = document.querySelector('[data-gatehouse-widget]').shadowRoot; return ${expression}; })()`) as Promise<T>;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}
