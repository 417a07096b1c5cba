import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, mint, rawRequest, request, startGateway, startIssuer, startUpstream, type Issuer, type TestGateway, type Upstream } from './harness.js';

describe('gateway path hygiene and routing', () => {
  let issuer: Issuer;
  let api: Upstream;
  let gateway: TestGateway;
  let agent: string;
  beforeAll(async () => {
    issuer = await startIssuer();
    api = await startUpstream();
    gateway = await startGateway({ issuer, api });
    agent = `Bearer ${await mint(issuer)}`;
  });
  afterAll(async () => {
    await gateway.close();
    await api.close();
    await issuer.close();
  });

  const ambiguous = [
    ['encoded slash', '/things/a%2Fb'],
    ['encoded slash, lower case', '/things/a%2fb'],
    ['encoded dot segment', '/things/%2E%2E/x'],
    ['encoded dot', '/things/%2e'],
    ['encoded backslash', '/things/a%5Cb'],
    ['encoded NUL', '/things/a%00'],
    ['double encoding', '/things/a%252Fb'],
    ['dot segment', '/v2/things/../things'],
    ['single dot segment', '/v2/./things'],
    ['trailing dot segment', '/things/..'],
    ['empty segment', '//things'],
    ['empty inner segment', '/v2//things'],
    ['malformed escape', '/things/%zz'],
    ['overlong path', `/things/${'a'.repeat(3000)}`],
  ] as const;

  it.each(ambiguous)('refuses an ambiguous path before routing: %s', async (_name, path) => {
    const before = api.seen.length;
    const res = await request(gateway.url, path, { headers: { authorization: agent } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: 'invalid_request' });
    expect(api.seen.length).toBe(before);
  });

  it('refuses a literal backslash, NUL byte and an absolute-form target', async () => {
    const backslash = await rawRequest(gateway.url, 'GET /things\\..\\admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(backslash.status).toBe(400);
    const absolute = await rawRequest(gateway.url, 'GET http://evil.test/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(absolute.status).toBe(400);
    expect(absolute.text).toContain('"error":"invalid_request"');
    const nul = await rawRequest(gateway.url, 'GET /things\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(nul.status).toBe(400);
  });

  it('routes REST under /v2, un-versioned, and RPC under /v1 to the same operation', async () => {
    for (const [method, path] of [['GET', '/v2/things'], ['GET', '/things'], ['POST', '/v1/things.list']] as const) {
      const res = await request(gateway.url, path, { method, headers: { authorization: agent } });
      expect(res.status, path).toBe(200);
      expect(api.last().url).toBe(path);
      expect(api.last().method).toBe(method);
    }
  });

  it('answers an unknown path with 404 JSON and a wrong method with 405 and Allow', async () => {
    const missing = await fetch(`${gateway.url}/nothing-here`, { headers: { authorization: agent } });
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ ok: false, error: 'not_found' });
    const rpcGet = await fetch(`${gateway.url}/v1/things.list`, { headers: { authorization: agent } });
    expect(rpcGet.status).toBe(405);
    expect(rpcGet.headers.get('allow')).toBe('POST');
    const put = await fetch(`${gateway.url}/things`, { method: 'PUT', headers: { authorization: agent } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'POST']);
    const unknownRpc = await fetch(`${gateway.url}/v1/things.nope`, { method: 'POST', headers: { authorization: agent } });
    expect(unknownRpc.status).toBe(404);
  });

  it('passes the auth server routes through to the auth server', async () => {
    const res = await fetch(`${gateway.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(issuer.last().url).toBe('/.well-known/openid-configuration');
    await fetch(`${gateway.url}/v2/auth/token`, { method: 'POST', body: '{"email":"a@b.c","password":"x"}', headers: { 'content-type': 'application/json' } });
    expect(issuer.last()).toMatchObject({ url: '/v2/auth/token', method: 'POST', body: '{"email":"a@b.c","password":"x"}' });
  });

  it('serves /health itself (seed 002) and /ready with the rate-limit store', async () => {
    const health = await fetch(`${gateway.url}/health`);
    const body = await json(health);
    expect(Object.keys(body).sort()).toEqual(['ok', 'status', 'timestamp']);
    const ready = await json(await fetch(`${gateway.url}/ready`));
    expect(ready.checks).toMatchObject({ rate_limit_store: gateway.runtime.redis ? 'ok' : 'not_configured' });
  });
});
