import http from 'node:http';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { freePort } from '../helpers/net.js';
import { ADMIN, discover, registerClient } from './helpers/oauth.js';

/**
 * A real browser against a real Gatehouse: a small third-party web app doing code + PKCE with
 * openid-client on its server side, and a static SPA page using the implicit grant
 * (`response_type=token`) and then calling the API through the gateway.
 */
describe('browser: third-party web app and implicit-grant SPA (Chromium)', () => {
  let gatehouse: TestGatehouse;
  let browser: Browser;
  let app: http.Server;
  let appUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    // No GATEWAY_CORS_ORIGINS: the gateway allows the SPA's registered origin by itself.
    gatehouse = await startTestGatehouse();
    const web = await registerClient(gatehouse, { type: 'web', name: 'Third-party CRM', redirect_uris: [`${appUrl}/callback`] });
    const spa = await registerClient(gatehouse, { type: 'spa', name: 'Chat widget', redirect_uris: [`${appUrl}/spa.html`] });
    const config = await discover(gatehouse, web.client.id, web.clientSecret);
    const pending = new Map<string, string>();

    app = http.createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url!, appUrl);
        if (url.pathname === '/') {
          const verifier = oidc.randomPKCECodeVerifier();
          const state = oidc.randomState();
          pending.set(state, verifier);
          const target = oidc.buildAuthorizationUrl(config, {
            redirect_uri: `${appUrl}/callback`, scope: 'openid email agent', state,
            code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
          });
          res.writeHead(302, { location: target.href }).end();
        } else if (url.pathname === '/callback') {
          const state = url.searchParams.get('state') ?? '';
          const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: pending.get(state)!, expectedState: state });
          const claims = tokens.claims()!;
          res.writeHead(200, { 'content-type': 'text/html' }).end(`<p id="result">signed in as ${String(claims.email)} with ${tokens.scope} and refresh ${tokens.refresh_token ? 'yes' : 'no'}</p>`);
        } else if (url.pathname === '/spa.html') {
          res.writeHead(200, { 'content-type': 'text/html' }).end(spaPage(gatehouse.url, spa.client.id, `${appUrl}/spa.html`));
        } else {
          res.writeHead(404).end();
        }
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => app.listen(port, '127.0.0.1', resolve));

    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await gatehouse?.stop();
  });

  it('lets a user sign in to a third-party web app through login and consent', async () => {
    const page = await browser.newPage();
    await page.goto(appUrl);
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Third-party CRM wants to access your account');
    await page.click('button[value=allow]');
    await page.waitForSelector('#result');
    expect(await page.textContent('#result')).toBe('signed in as admin@example.test with agent and refresh yes');
    await page.context().close();
  });

  it('lets a static SPA get a token with response_type=token and call the API through the gateway', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${appUrl}/spa.html`);
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    await page.click('button[type=submit]');
    await page.click('button[value=allow]');
    await page.waitForSelector('#api[data-status]');
    const token = await page.getAttribute('#token', 'data-scope');
    expect(token).toBe('agent');
    expect(await page.getAttribute('#token', 'data-refresh')).toBe('none');
    const status = await page.getAttribute('#api', 'data-status');
    const body = await page.textContent('#api');
    expect({ status, body: JSON.parse(body!) }).toMatchObject({ status: '200', body: { ok: true, data: { email: ADMIN.email } } });
    await context.close();
  });
});

function spaPage(gateway: string, clientId: string, redirectUri: string): string {
  return `<!DOCTYPE html><html><body><p id="token"></p><pre id="api"></pre><script>
  (async () => {
    const params = new URLSearchParams(location.hash.slice(1));
    if (!params.has('access_token')) {
      const state = crypto.randomUUID();
      sessionStorage.setItem('state', state);
      location.assign(${JSON.stringify(gateway)} + '/oauth2/authorize?' + new URLSearchParams({
        client_id: ${JSON.stringify(clientId)}, redirect_uri: ${JSON.stringify(redirectUri)}, response_type: 'token', scope: 'agent', state }));
      return;
    }
    if (params.get('state') !== sessionStorage.getItem('state')) throw new Error('state mismatch');
    history.replaceState(null, '', location.pathname);
    const t = document.getElementById('token');
    t.dataset.scope = params.get('scope');
    t.dataset.refresh = params.has('refresh_token') ? 'present' : 'none';
    const res = await fetch(${JSON.stringify(gateway)} + '/v2/users/me', { headers: { authorization: 'Bearer ' + params.get('access_token') } });
    const api = document.getElementById('api');
    api.textContent = await res.text();
    api.dataset.status = String(res.status);
  })().catch((e) => { const api = document.getElementById('api'); api.textContent = JSON.stringify({ error: String(e) }); api.dataset.status = 'error'; });
  </script></body></html>`;
}
