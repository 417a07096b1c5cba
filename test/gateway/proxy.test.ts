import http from 'node:http';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodySha256, EMPTY_BODY_SHA256, IDENTITY_HEADER, signIdentity } from '../../src/contract/identity.js';
import { HOP_BY_HOP_HEADERS, IDENTITY_HEADER_PREFIXES, IDENTITY_HEADERS } from '../../src/gateway/headers.js';
import { HOP_BY_HOP, IDENTITY } from '../helpers/stripped-headers.js';
import { freePort } from '../helpers/net.js';
import { json, mint, request, startGateway, startIssuer, startUpstream, type Issuer, type TestGateway, type Upstream } from './harness.js';

function misbehave(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.url === '/things/slow') {
    setTimeout(() => res.writeHead(200).end('{}'), 2_000).unref();
    return true;
  }
  if (req.url === '/things/reset') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"ok":true,');
    setTimeout(() => res.socket?.destroy(), 20);
    return true;
  }
  if (req.url === '/things/refuse') {
    res.socket?.destroy();
    return true;
  }
  if (req.url === '/things/hang') return true; // never answers; the client aborts
  return false;
}

describe('gateway proxy core', () => {
  let issuer: Issuer;
  let api: Upstream;
  let gateway: TestGateway;
  let agent: string;
  beforeAll(async () => {
    issuer = await startIssuer();
    api = await startUpstream(misbehave);
    gateway = await startGateway({ issuer, api, runtimeOptions: { config: { GATEWAY_RESPONSE_TIMEOUT_MS: 300, RATE_LIMIT_AGENT: 1_000_000, RATE_LIMIT_ORGANIZATION: 1_000_000 } } });
    agent = `Bearer ${await mint(issuer)}`;
  });
  afterAll(async () => {
    await gateway.close();
    await api.close();
    await issuer.close();
  });

  const spoofed = {
    'x-forwarded-for': '6.6.6.6',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'evil.test',
    forwarded: 'for=6.6.6.6',
    'x-real-ip': '6.6.6.6',
    'x-gatehouse-identity': 'forged.assertion.here',
    'x-gatehouse-anything': 'x',
    'x-user-id': 'admin',
    'x-remote-user': 'admin',
    'x-http-method-override': 'DELETE',
    'x-original-url': '/things/1',
    'x-custom-header': 'kept',
  };

  function expectClean(headers: http.IncomingHttpHeaders): void {
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const name of ['forwarded', 'x-real-ip', 'x-gatehouse-anything', 'x-user-id', 'x-remote-user', 'x-http-method-override', 'x-original-url', 'authorization', 'expect']) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(headers[IDENTITY_HEADER]).not.toBe('forged.assertion.here');
    expect(String(headers[IDENTITY_HEADER]).split('.')).toHaveLength(3);
    expect(headers['x-custom-header']).toBe('kept');
  }

  it('replaces spoofed X-Forwarded-* and strips identity headers', async () => {
    const res = await request(gateway.url, '/things', { headers: { authorization: agent, ...spoofed } });
    expect(res.status).toBe(200);
    expectClean(api.last().headers);
  });

  // Every header an upstream could read as identity, client address or an override, written out
  // (test/helpers/stripped-headers.ts: a name dropped from the gateway's list must fail this
  // test), names under each stripped prefix, the hop-by-hop names Node's client sends as given,
  // plus every name and prefix of the gateway's own lists (a name added there is tried too).
  // Names Node's client would itself interpret (framing, connection) are sent by the other tests.
  const framing = new Set(['connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'host']);
  const mustNotReachUpstream = [
    ...IDENTITY,
    'x-gatehouse-identity', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix',
    'x-authenticated-userid', 'x-auth-request-user', 'x-user-id', 'x-jwt-claims', 'x-original-host',
    ...HOP_BY_HOP.filter((name) => !framing.has(name)),
  ];
  const spoofedValue = 'spoofed-by-the-client';

  it('lets none of the identity, override and hop-by-hop headers through, the whole list', async () => {
    const names = new Set([
      ...mustNotReachUpstream,
      ...IDENTITY_HEADERS,
      ...IDENTITY_HEADER_PREFIXES.map((prefix) => `${prefix}probe`),
      ...HOP_BY_HOP_HEADERS.filter((name) => !framing.has(name)),
    ]);
    const headers: Record<string, string> = { authorization: agent };
    for (const name of names) headers[name] = spoofedValue;
    const res = await request(gateway.url, '/things', { headers });
    expect(res.status).toBe(200);
    const seen = api.last().headers;
    // A sane inbound request id is kept for correlation (src/shared/request-id.ts), as the
    // gateway's own header; it names no identity.
    expect(seen['x-request-id']).toBe(spoofedValue);
    const leaked = [...names].filter((name) => name !== 'x-request-id' && seen[name] !== undefined && String(seen[name]).includes(spoofedValue));
    expect(leaked).toEqual([]);
    for (const name of names) {
      // The gateway sets its own assertion, request id, trace context and X-Forwarded-*; nothing else comes back.
      if (![IDENTITY_HEADER, 'x-request-id', 'traceparent', 'tracestate', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'].includes(name)) expect(seen[name], name).toBeUndefined();
    }
  });

  it('does the same for a request with Expect: 100-continue', async () => {
    const { hostname, port } = new URL(gateway.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: hostname, port, path: '/things', method: 'POST', agent: false, headers: { authorization: agent, ...spoofed, expect: '100-continue', 'content-type': 'application/json', 'content-length': 11 } });
      req.on('continue', () => req.end('{"name":"x"}'.slice(0, 11)));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
    });
    expect(status).toBe(200);
    expect(api.last().body).toBe('{"name":"x"');
    expectClean(api.last().headers);
  });

  it('answers an Expect: 100-continue request that fails a check without ever sending 100 Continue', async () => {
    const { hostname, port } = new URL(gateway.url);
    const attempt = (headers: Record<string, string | number>) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = http.request({ host: hostname, port, path: '/things', method: 'POST', agent: false, headers: { expect: '100-continue', 'content-type': 'application/json', ...headers } });
        req.on('continue', () => {
          continued = true;
          req.end('{"name":"x"}');
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode!, continued });
          req.destroy();
        });
        req.on('error', reject);
      });
    const before = api.seen.length;
    expect(await attempt({ 'content-length': 12 })).toEqual({ status: 401, continued: false });
    expect(await attempt({ authorization: agent, 'content-length': 5_000_000 })).toEqual({ status: 413, continued: false });
    expect(api.seen.length).toBe(before);
  });

  it('removes hop-by-hop headers both ways, including those named by Connection', async () => {
    const res = await request(gateway.url, '/things', { headers: { authorization: agent, connection: 'keep-alive, x-secret-hop', 'x-secret-hop': 'hop', te: 'trailers', 'proxy-authorization': 'Basic abc' } });
    expect(res.status).toBe(200);
    const seen = api.last().headers;
    expect(seen['x-secret-hop']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(res.headers['x-upstream']).toBe('yes');
  });

  it('propagates the request id and continues the W3C trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await request(gateway.url, '/things', { headers: { authorization: agent, 'x-request-id': 'req-abc', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: 'vendor=1' } });
    expect(res.headers['x-request-id']).toBe('req-abc');
    const seen = api.last().headers;
    expect(seen['x-request-id']).toBe('req-abc');
    expect(seen.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen.traceparent).not.toContain('00f067aa0ba902b7');
    expect(seen.tracestate).toBe('vendor=1');
    await request(gateway.url, '/things', { headers: { authorization: agent, traceparent: 'garbage', tracestate: 'vendor=1' } });
    expect(api.last().headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(api.last().headers.tracestate).toBeUndefined();
  });

  it('refuses a body over the operation limit with 413, declared or chunked, before the upstream sees it', async () => {
    const before = api.seen.length;
    const declared = await request(gateway.url, '/things', { method: 'POST', headers: { authorization: agent }, body: 'x'.repeat(1025) });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ ok: false, error: 'payload_too_large' });
    const { hostname, port } = new URL(gateway.url);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: hostname, port, path: '/things', method: 'POST', agent: false, headers: { authorization: agent, 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('y'.repeat(400));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: 'payload_too_large' });
    expect(api.seen.slice(before).filter((s) => s.body.length > 1024)).toEqual([]);
  });

  it('answers 504 upstream_timeout for a slow upstream', async () => {
    const bot = `Bearer ${await mint(issuer, { claims: { scope: 'bot' } })}`;
    const started = Date.now();
    const slow = await fetch(`${gateway.url}/things/slow`, { headers: { authorization: bot } });
    expect(slow.status).toBe(504);
    expect(await json(slow)).toMatchObject({ ok: false, error: 'upstream_timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('answers 502 upstream_unavailable for a reset connection, cuts a response reset mid-body, and survives', async () => {
    const bot = `Bearer ${await mint(issuer, { claims: { scope: 'bot' } })}`;
    const refused = await fetch(`${gateway.url}/things/refuse`, { headers: { authorization: bot } });
    expect(refused.status).toBe(502);
    expect(await json(refused)).toMatchObject({ ok: false, error: 'upstream_unavailable' });
    const midway = await fetch(`${gateway.url}/things/reset`, { headers: { authorization: bot } });
    expect(midway.status).toBe(200);
    await expect(midway.text()).rejects.toThrow();
    expect((await fetch(`${gateway.url}/things`, { headers: { authorization: agent } })).status).toBe(200);
  });

  it('answers 502 when nothing listens upstream', async () => {
    const port = await freePort();
    const dead = await startGateway({ issuer, api: { ...api, url: `http://127.0.0.1:${port}` }, runtime: gateway.runtime });
    try {
      const res = await fetch(`${dead.url}/things`, { headers: { authorization: agent } });
      expect(res.status).toBe(502);
      expect(await json(res)).toMatchObject({ error: 'upstream_unavailable' });
    } finally {
      await dead.close();
    }
  });

  it('destroys the upstream request when the client aborts: 10,000 aborts leave file descriptors flat', async () => {
    const bot = await mint(issuer, { claims: { scope: 'bot' } });
    const fds = () => readdirSync('/proc/self/fd').length;
    const { port } = new URL(gateway.url);
    const upstreamSockets = () => new Promise<number>((resolve) => api.server.getConnections((_e, n) => resolve(n)));
    const abortOnce = () => new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /things/hang HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bot}\r\n\r\n`);
        setImmediate(() => socket.destroy());
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    // Warm up, then measure.
    for (let i = 0; i < 200; i++) await abortOnce();
    await new Promise((r) => setTimeout(r, 300));
    const before = fds();
    const total = 10_000;
    const parallel = 50;
    for (let i = 0; i < total; i += parallel) await Promise.all(Array.from({ length: parallel }, abortOnce));
    await new Promise((r) => setTimeout(r, 500));
    expect(fds() - before).toBeLessThan(60);
    expect(await upstreamSockets()).toBeLessThanOrEqual(128 + 5);
    expect((await fetch(`${gateway.url}/things`, { headers: { authorization: agent } })).status).toBe(200);
  }, 120_000);

  it('sends the identity only as an assertion the API can verify for this very request: method, path, query and body', async () => {
    const key = gateway.runtime.secrets.derive('identity-assertion');
    const get = { method: 'GET', path: '/v2/things', query: 'limit=5', bodySha256: EMPTY_BODY_SHA256 };
    await request(gateway.url, '/v2/things?limit=5', { headers: { authorization: agent } });
    const assertion = api.last().headers[IDENTITY_HEADER] as string;
    const { verifyIdentity } = await import('../../src/contract/identity.js');
    await expect(verifyIdentity(assertion, key, get)).resolves.toMatchObject({ role: 'agent' });
    for (const other of [{ method: 'DELETE' }, { path: '/v2/other' }, { query: 'limit=6' }, { query: '' }, { bodySha256: bodySha256('{}') }]) {
      await expect(verifyIdentity(assertion, key, { ...get, ...other }), JSON.stringify(other)).rejects.toThrow();
    }
    // A body is read whole and its digest signed.
    await request(gateway.url, '/things', { method: 'POST', headers: { authorization: agent, 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(api.last().body).toBe('{"a":1}');
    const forPost = api.last().headers[IDENTITY_HEADER] as string;
    await expect(verifyIdentity(forPost, key, { method: 'POST', path: '/things', query: '', bodySha256: bodySha256('{"a":1}') })).resolves.toMatchObject({ role: 'agent' });
    await expect(verifyIdentity(forPost, key, { method: 'POST', path: '/things', query: '', bodySha256: bodySha256('{"a":2}') })).rejects.toThrow();
    // The same request again gets a new assertion with a new jti: none is ever sent twice (the API refuses a second use).
    await request(gateway.url, '/v2/things?limit=5', { headers: { authorization: agent } });
    const again = api.last().headers[IDENTITY_HEADER] as string;
    expect(again).not.toBe(assertion);
    const jti = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    expect(jti(again)).toMatch(/^[0-9a-f-]{36}$/);
    expect(jti(again)).not.toBe(jti(assertion));
    expect(typeof (await signIdentity({ sub: 's', org: 'o', role: 'guest', scopes: [], kind: 'user' }, key, { method: 'GET', path: '/', query: '', bodySha256: EMPTY_BODY_SHA256 }))).toBe('string');
  });
});
