import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayComponent } from '../../src/gateway/app.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { createTestRuntime, memoryApiKeys, request, startUpstream, testOperations, type Upstream } from './harness.js';

/**
 * In one process (`--role all`) the gateway hands auth-server requests to the auth server's
 * listener instead of sending them over a socket. The stand-in auth server here answers both
 * ways with the same listener and records which way each request came: handed over, the
 * request's socket is the client's own connection to the gateway.
 */
interface Seen {
  url: string;
  localPort: number | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('gateway: the auth server in the same process', () => {
  let api: Upstream;
  let authUrl: string;
  let server: RunningServer;
  let gatewayPort: number;
  let close: () => Promise<void>;
  const seen: Seen[] = [];
  let lateWrite: Promise<string> | undefined;

  function auth(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url!, localPort: req.socket.localPort, headers: { ...req.headers }, body: Buffer.concat(chunks).toString() });
      if (req.url === '/oauth2/token' && req.headers['x-case'] === 'set-headers') {
        // Headers an upstream must not pass on, set before the answer and given to writeHead.
        res.setHeader('x-request-id', 'from-upstream');
        res.setHeader('connection', 'close, x-hop');
        res.setHeader('x-hop', 'named in Connection');
        res.setHeader('keep-alive', 'timeout=1');
        res.setHeader('ratelimit-policy', 'forged');
        res.setHeader('x-kept', 'yes');
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-request-id': 'given-to-writehead', upgrade: 'h2c' });
        res.end('{"ok":true}');
        return;
      }
      if (req.url === '/oauth2/token' && req.headers['x-case'] === 'implicit') {
        res.setHeader('x-request-id', 'from-upstream');
        res.statusCode = 201;
        res.end('{"implicit":true}');
        return;
      }
      if (req.url === '/oauth2/token' && req.headers['x-case'] === 'hang') {
        // Answers long after the gateway gave up: that late answer must go nowhere.
        lateWrite = new Promise((resolve) => setTimeout(() => {
          try {
            res.writeHead(200).end('late');
            resolve(`wrote:${String(res.writableEnded)}`);
          } catch (err) {
            resolve(`threw:${(err as Error).message}`);
          }
        }, 600));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    });
  }

  beforeAll(async () => {
    api = await startUpstream();
    // The auth upstream's socket: the same listener as the one handed over to.
    const authServer = http.createServer(auth);
    await new Promise<void>((resolve) => authServer.listen(0, '127.0.0.1', resolve));
    authUrl = `http://127.0.0.1:${(authServer.address() as { port: number }).port}`;
    const runtime = await createTestRuntime({
      config: { PUBLIC_URL: 'https://gatehouse.test', GATEWAY_RESPONSE_TIMEOUT_MS: 300, GATEWAY_AUTH_BODY_LIMIT: 1024 },
    });
    const component = createGatewayComponent(runtime, { auth: authUrl, api: api.url, authListener: auth }, { operations: testOperations, apiKeys: memoryApiKeys() });
    server = await listen(component.listener!, { host: '127.0.0.1', port: 0 });
    server.server.on('checkContinue', component.onCheckContinue!);
    gatewayPort = (server.server.address() as { port: number }).port;
    close = async () => {
      await server.close(100);
      await component.stop();
      await runtime.close();
      authServer.closeAllConnections();
      await new Promise<void>((resolve) => authServer.close(() => resolve()));
    };
  });
  afterAll(async () => {
    await close();
    await api.close();
  });

  const last = () => seen[seen.length - 1]!;

  it('hands a token request over with the headers the socket would carry', async () => {
    const body = 'grant_type=client_credentials&client_id=c1';
    const res = await request(server.url, '/oauth2/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.test',
        'x-forwarded-proto': 'https',
        forwarded: 'for=6.6.6.6',
        'x-real-ip': '6.6.6.6',
        'x-gatehouse-identity': 'forged',
        'x-request-id': 'client-chosen-id',
        'x-custom': 'kept',
        authorization: 'Basic YzE6czE=',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ path: '/oauth2/token' });
    const got = last();
    expect(got.localPort).toBe(gatewayPort);
    expect(got.body).toBe(body);
    expect(got.headers).toMatchObject({
      host: new URL(authUrl).host,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-custom': 'kept',
      // The auth server reads client credentials itself: the gateway passes them on.
      authorization: 'Basic YzE6czE=',
      'content-length': String(body.length),
    });
    for (const name of ['forwarded', 'x-real-ip', 'x-gatehouse-identity']) expect(got.headers[name], name).toBeUndefined();
    expect(got.headers['x-forwarded-host']).toBe(`127.0.0.1:${gatewayPort}`);
    expect(got.headers['x-request-id']).toBe('client-chosen-id');
    expect(res.headers['x-request-id']).toBe('client-chosen-id');
    expect(res.headers['ratelimit-policy']).toMatch(/^"token";q=\d+;w=\d+$/);
  });

  it("drops the auth server's hop-by-hop headers and replaces the gateway's own, set before or given to writeHead", async () => {
    const res = await request(server.url, '/oauth2/token', { method: 'POST', headers: { 'x-case': 'set-headers', 'x-request-id': 'mine' }, body: 'a=b' });
    expect(res.status).toBe(200);
    expect(last().localPort).toBe(gatewayPort);
    expect(res.body).toBe('{"ok":true}');
    expect(res.headers['x-request-id']).toBe('mine');
    expect(res.headers['x-kept']).toBe('yes');
    expect(res.headers['ratelimit-policy']).toMatch(/^"token";q=\d+;w=\d+$/);
    expect(res.headers.upgrade).toBeUndefined();
    expect(res.headers['x-hop']).toBeUndefined();
    expect(res.headers['keep-alive']).not.toBe('timeout=1');
    // The client's connection stays open: the auth server's `Connection: close` was not passed on.
    expect(res.headers.connection).not.toBe('close');
  });

  it('replaces the request id of an answer written without writeHead', async () => {
    const res = await request(server.url, '/oauth2/token', { method: 'POST', headers: { 'x-case': 'implicit', 'x-request-id': 'implicit-1' }, body: 'a=b' });
    expect(res.status).toBe(201);
    expect(res.body).toBe('{"implicit":true}');
    expect(res.headers['x-request-id']).toBe('implicit-1');
  });

  it('sends a chunked body over the socket, where it is counted against the limit', async () => {
    const sent = await chunked(server.url, '/oauth2/token', ['grant_type=', 'client_credentials']);
    expect(sent.status).toBe(200);
    expect(last()).toMatchObject({ url: '/oauth2/token', body: 'grant_type=client_credentials' });
    expect(last().localPort).not.toBe(gatewayPort);
    const before = seen.length;
    const tooLong = await chunked(server.url, '/oauth2/token', ['x'.repeat(800), 'y'.repeat(800)]);
    expect(tooLong.status).toBe(413);
    expect(JSON.parse(tooLong.body)).toMatchObject({ ok: false, error: 'payload_too_large', message: 'The request body exceeds 1024 bytes.' });
    expect(seen.length).toBe(before);
  });

  it('refuses a declared body over the limit before handing anything over', async () => {
    const before = seen.length;
    const res = await request(server.url, '/oauth2/token', { method: 'POST', body: 'x'.repeat(1025) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: 'payload_too_large', message: 'The request body exceeds 1024 bytes.' });
    expect(seen.length).toBe(before);
  });

  it('answers 504 when the auth server does not answer in time, and drops its late answer', async () => {
    const res = await request(server.url, '/oauth2/token', { method: 'POST', headers: { 'x-case': 'hang', 'x-request-id': 'slow-1' }, body: 'a=b' });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: 'upstream_timeout', message: 'The upstream service did not answer in time.' });
    expect(res.headers['x-request-id']).toBe('slow-1');
    expect(await lateWrite).toMatch(/^(wrote:true|threw:)/);
    // The gateway still serves the next request.
    const next = await request(server.url, '/oauth2/token', { method: 'POST', body: 'a=b' });
    expect(next.status).toBe(200);
  });
});

function chunked(base: string, path: string, parts: string[]): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err)));
    for (const part of parts) req.write(part);
    req.end();
  });
}
