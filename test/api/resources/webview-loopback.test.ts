import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';
import { ok, startConversation } from './chat-fixtures.js';

// A bot under development runs on the admin's machine over plain http. A web view may then be
// http only on a loopback host whose exact host:port the admin listed in webview_hosts; every other
// URL stays https-only, and images and URL buttons are https-only whatever the list says.

const HTTPS_ONLY = 'must be an https URL';
const NOT_LISTED_HTTP = "must be an https URL (http only for a loopback host whose exact host:port is on the organization's web-view hosts, webview_hosts)";
const NOT_LISTED = "must be on the organization's web-view hosts (webview_hosts)";
const BAD_HOST = 'must be a host name such as bank.example (with a port only on localhost, 127.0.0.1 or [::1])';

const webview = (url: string) => ({ type: 'buttons', fallback_text: 'Card details', text: 'Your card', buttons: [{ id: 'w', type: 'webview', title: 'Card details', url, height: 'tall' }] });

describe('web views over http on a loopback host', () => {
  let api: ApiHarness;
  let a: Tenant;
  let token: string;
  const post = (content: unknown) => api.call(a.identity('bot'), 'POST', `/v2/conversations/${token}/messages`, { content });
  const error = async (content: unknown) => {
    const res = await post(content);
    const { request_id: requestId, ...body } = res.body as Record<string, unknown>;
    expect(typeof requestId).toBe('string');
    return [res.status, body];
  };
  const refusedWith = (field: string, message: string) => [400, { ok: false, error: 'validation_failed', message: `${field}: ${message}`, details: { fields: [{ field, message }] } }];

  beforeAll(async () => {
    api = await startApiHarness();
    a = await api.tenant('Loopback web views');
    token = await startConversation(api, a);
    const org = ok(await api.call(a.identity('admin'), 'PATCH', `/v2/organizations/${a.organizationId}`, {
      webview_hosts: ['bank.example', 'LOCALHOST:4000', '127.0.0.1:4001', '[::1]:4002', 'localhost'],
    }));
    expect(org.webview_hosts).toEqual(['bank.example', 'localhost:4000', '127.0.0.1:4001', '[::1]:4002', 'localhost']);
  });
  afterAll(() => api.close());

  it('accepts http on a listed loopback host:port, as the URL parser spells it', async () => {
    for (const url of ['http://localhost:4000/statement/f1', 'http://LOCALHOST:4000/x', 'http://127.0.0.1:4001/', 'http://0x7f000001:4001/', 'http://[0:0:0:0:0:0:0:1]:4002/a', 'http://localhost/']) {
      const message = ok(await post(webview(url)), 201);
      expect((message.content as { buttons: { url: string }[] }).buttons[0]!.url, url).toBe(url);
    }
  });

  it('refuses http anywhere else, with the reason at the JSON path', async () => {
    const cases: [string, string][] = [
      // An allowed https host is not an allowed http host.
      ['http://bank.example/card', HTTPS_ONLY],
      // Loopback, but not that port; or the default port when only :4000 is listed.
      ['http://localhost:4001/', NOT_LISTED_HTTP],
      ['http://127.0.0.1:4000/', NOT_LISTED_HTTP],
      ['http://127.0.0.1/', NOT_LISTED_HTTP],
      ['http://[::1]:4000/', NOT_LISTED_HTTP],
      // Names that only look like loopback.
      ['http://localhost.evil.com:4000/', HTTPS_ONLY],
      ['http://localhost.:4000/', HTTPS_ONLY],
      ['http://127.0.0.2:4001/', HTTPS_ONLY],
      ['http://evil.com/localhost:4000', HTTPS_ONLY],
      // User-info tricks: the host is after the @, and credentials are refused anyway.
      ['http://localhost:4000@evil.com/', HTTPS_ONLY],
      ['http://evil.com@localhost:4000/', HTTPS_ONLY],
      ['http://user:pass@localhost:4000/', HTTPS_ONLY],
      ['https://evil.com@bank.example/', HTTPS_ONLY],
      // Other schemes never pass.
      ['ftp://localhost:4000/', HTTPS_ONLY],
      ['javascript://localhost:4000/%0aalert(1)', HTTPS_ONLY],
    ];
    for (const [url, message] of cases) expect(await error(webview(url)), url).toEqual(refusedWith('content.buttons[0].url', message));
  });

  it('keeps https rules: a listed loopback host:port is an https host too, an unlisted host is not', async () => {
    ok(await post(webview('https://localhost:4000/x')), 201);
    expect(await error(webview('https://127.0.0.1:4002/x'))).toEqual(refusedWith('content.buttons[0].url', NOT_LISTED));
  });

  it('keeps images and URL buttons https-only, even on a listed loopback host', async () => {
    const image = { type: 'image', fallback_text: 'Card', image: { url: 'http://localhost:4000/card.png', mime: 'image/png' } };
    expect(await error(image)).toEqual(refusedWith('content.image.url', HTTPS_ONLY));
    const link = { type: 'buttons', fallback_text: 'x', text: 'Open', buttons: [{ id: 'u', type: 'url', title: 'Open', url: 'http://localhost:4000/' }] };
    expect(await error(link)).toEqual(refusedWith('content.buttons[0].url', HTTPS_ONLY));
    const card = { type: 'card', fallback_text: 'x', id: 'c', title: 'Gold', image: { url: 'http://localhost:4000/gold.png', mime: 'image/png' } };
    expect(await error(card)).toEqual(refusedWith('content.image.url', HTTPS_ONLY));
  });

  it('takes a port in webview_hosts only on a loopback host', async () => {
    const patch = (hosts: string[]) => api.call(a.identity('admin'), 'PATCH', `/v2/organizations/${a.organizationId}`, { webview_hosts: hosts });
    for (const host of ['bank.example:443', 'localhost.evil.com:4000', 'localhost:0', 'localhost:65536', 'localhost:04000', '127.0.0.2:4000', '[::2]:4000', '[0::1]:4000', 'localhost:', 'user@localhost:4000', 'localhost:4000/x']) {
      const res = await patch([host]);
      expect([res.status, res.body.details?.fields], host).toEqual([400, [{ field: 'webview_hosts[0]', message: BAD_HOST }]]);
    }
    expect(ok(await patch(['localhost:65535', '[::1]'])).webview_hosts).toEqual(['localhost:65535', '[::1]']);
  });
});
