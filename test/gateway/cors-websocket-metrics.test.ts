import type http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_BODY_SHA256, IDENTITY_HEADER, verifyIdentity } from '../../src/contract/identity.js';
import { json, mint, startGateway, startIssuer, startUpstream, type Issuer, type TestGateway, type Upstream } from './harness.js';

const metricsToken = 'metrics-token-0123456789abcdef';

describe('CORS, WebSocket upgrades and metrics', () => {
  let issuer: Issuer;
  let api: Upstream;
  let gateway: TestGateway;
  let wsUpstream: http.Server;
  let upgradeHeaders: http.IncomingHttpHeaders | undefined;
  let agent: string;
  beforeAll(async () => {
    issuer = await startIssuer();
    // One server for HTTP and WebSocket, as the resource API would be.
    api = await startUpstream();
    wsUpstream = api.server;
    const wss = new WebSocketServer({ noServer: true });
    wsUpstream.on('upgrade', (req, socket, head) => {
      upgradeHeaders = req.headers;
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(`echo:${String(data)}`)));
    });
    gateway = await startGateway({
      issuer, api,
      gateway: { corsOrigins: (origin) => origin === 'https://spa.example.com' },
      runtimeOptions: { config: { GATEWAY_CORS_ORIGINS: ['https://static.example.com'], METRICS_TOKEN: metricsToken } },
    });
    agent = `Bearer ${await mint(issuer)}`;
  });
  afterAll(async () => {
    await gateway.close();
    await api.close();
    await issuer.close();
  });

  describe('CORS', () => {
    it('answers a preflight from a registered origin itself', async () => {
      const before = api.seen.length;
      const res = await fetch(`${gateway.url}/things`, {
        method: 'OPTIONS',
        headers: { origin: 'https://spa.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://spa.example.com');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(api.seen.length).toBe(before);
    });

    it('refuses a preflight from an unregistered origin', async () => {
      const res = await fetch(`${gateway.url}/things`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await json(res)).toMatchObject({ ok: false, error: 'forbidden' });
    });

    it('adds CORS headers to responses and errors for registered origins only', async () => {
      const ok = await fetch(`${gateway.url}/things`, { headers: { origin: 'https://static.example.com', authorization: agent } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://static.example.com');
      expect(ok.headers.get('access-control-expose-headers')).toContain('ratelimit');
      const denied = await fetch(`${gateway.url}/things`, { headers: { origin: 'https://spa.example.com' } });
      expect(denied.status).toBe(401);
      expect(denied.headers.get('access-control-allow-origin')).toBe('https://spa.example.com');
      const foreign = await fetch(`${gateway.url}/things`, { headers: { origin: 'https://evil.example', authorization: agent } });
      expect(foreign.status).toBe(200);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(foreign.headers.get('vary')).toContain('Origin');
    });
  });

  describe('WebSocket', () => {
    const wsUrl = () => gateway.url.replace('http', 'ws') + '/things/42/live';

    it('authenticates the upgrade, sends the assertion, and relays messages both ways', async () => {
      const ws = new WebSocket(wsUrl(), { headers: { authorization: agent, 'x-gatehouse-identity': 'forged', 'x-forwarded-for': '6.6.6.6' } });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('hello'));
        ws.on('message', (data) => resolve(String(data)));
        ws.on('error', reject);
      });
      ws.close();
      expect(reply).toBe('echo:hello');
      expect(upgradeHeaders!['x-forwarded-for']).toBe('127.0.0.1');
      expect(upgradeHeaders!.authorization).toBeUndefined();
      const identity = await verifyIdentity(upgradeHeaders![IDENTITY_HEADER] as string, gateway.runtime.secrets.derive('identity-assertion'), { method: 'GET', path: '/things/42/live', query: '', bodySha256: EMPTY_BODY_SHA256 });
      expect(identity).toMatchObject({ sub: 'user-1', role: 'agent' });
    });

    it.each([
      ['no credential', {}, 401],
      ['a guest token', { authorization: 'guest' }, 403],
    ] as const)('refuses an upgrade with %s', async (_name, headers, expected) => {
      const authorization = 'authorization' in headers ? `Bearer ${await mint(issuer, { claims: { scope: 'guest' } })}` : undefined;
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(wsUrl(), { headers: authorization ? { authorization } : {} });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
      expect(status).toBe(expected);
    });
  });

  it('exposes request, latency, auth-failure, rate-limit, JWKS and revocation metrics', async () => {
    await fetch(`${gateway.url}/things`, { headers: { authorization: 'Bearer nonsense' } });
    await fetch(`${gateway.url}/things`, { headers: { authorization: agent } });
    const text = await (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    expect(text).toMatch(/gateway_requests_total\{operation="things.list",status="200"\} \d+/);
    expect(text).toMatch(/gateway_request_duration_seconds_bucket\{le="0.005",operation="things.list"\}/);
    expect(text).toMatch(/gateway_upstream_duration_seconds_count\{upstream="api"\} \d+/);
    expect(text).toMatch(/gateway_auth_failures_total\{reason="malformed"\} \d+/);
    expect(text).toMatch(/gateway_jwks_refreshes_total\{result="ok"\} \d+/);
    expect(text).toMatch(/gateway_revocations \d+/);
    expect(text).toContain('gateway_rate_limited_total');
  });

  it('refuses /metrics without the metrics token, or with another one (401 invalid_auth)', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer metrics-token-0123456789abcdeX' }, { authorization: metricsToken }, { authorization: 'Bearer ' }];
    for (const headers of attempts) {
      const res = await fetch(`${gateway.url}/metrics`, { headers });
      expect([res.status, (await json(res)).error], JSON.stringify(headers)).toEqual([401, 'invalid_auth']);
    }
  });
});

describe('/metrics access (issue 17, finding 8)', () => {
  const cases: Array<[string, Record<string, unknown>, number]> = [
    ['no METRICS_TOKEN, METRICS_PUBLIC unset (the default): closed to everyone', {}, 401],
    ['METRICS_PUBLIC=true: open without a token', { METRICS_PUBLIC: 'true' }, 200],
  ];
  it.each(cases)('%s', async (_name, config, expected) => {
    const issuer = await startIssuer();
    const api = await startUpstream();
    const gateway = await startGateway({ issuer, api, runtimeOptions: { config } });
    try {
      const res = await fetch(`${gateway.url}/metrics`);
      expect(res.status).toBe(expected);
      if (expected === 401) expect(await json(res)).toMatchObject({ ok: false, error: 'invalid_auth' });
      else expect(await res.text()).toContain('gateway_requests_total');
    } finally {
      await gateway.close();
      await api.close();
      await issuer.close();
    }
  });
});

describe('CORS origins registered on OAuth clients (default origin source)', () => {
  it('allows an origin as soon as a client registers it, and no other', async () => {
    const { createTestRuntime } = await import('./harness.js');
    const issuer = await startIssuer();
    const api = await startUpstream();
    const runtime = await createTestRuntime({ config: { PUBLIC_URL: 'https://gatehouse.test' } });
    const gateway = await startGateway({ issuer, api, runtime, gateway: { corsOrigins: undefined } });
    const preflight = (origin: string) => fetch(`${gateway.url}/things`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    try {
      expect((await preflight('https://widget.example.com')).status).toBe(403);
      await runtime.db.knex('oauth_clients').insert({
        id: 'spa-client', name: 'Chat widget', type: 'spa', max_role: 'guest',
        redirect_uris: JSON.stringify(['https://widget.example.com/cb']), allowed_origins: JSON.stringify(['https://widget.example.com']),
      });
      // Misses reload at most every 5 s; wait out the cool-down of the refusal above.
      await new Promise((r) => setTimeout(r, 5_100));
      const allowed = await preflight('https://widget.example.com');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://widget.example.com');
      expect((await preflight('https://widget.example.com.evil.test')).status).toBe(403);
    } finally {
      await gateway.close();
      await runtime.close();
      await api.close();
      await issuer.close();
    }
  }, 20_000);
});
