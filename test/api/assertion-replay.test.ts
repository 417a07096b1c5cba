import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiComponent } from '../../src/api/app.js';
import { createReplayCache } from '../../src/api/pipeline/assertion-replay.js';
import { ASSERTION_REPLAY_WINDOW_MS, IDENTITY_HEADER } from '../../src/contract/identity.js';
import { fixedClock } from '../../src/shared/clock.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import type { Component } from '../../src/shared/runtime.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';

// Issue 17, finding 8: an identity assertion the gateway made for one request is good for that
// request only. A recorder between the gateway and the resource API captures the assertions
// (as an attacker on the internal network would); replaying one with another query, another
// body, or a second time is 401 `invalid_auth`. A request marked `x-test-hold` is answered by
// the recorder itself, so its assertion is captured unused.

interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('the identity assertion covers query and body and is used once (through the gateway)', () => {
  let gatehouse: TestGatehouse;
  let recorder: http.Server;
  let api: RunningServer;
  let apiComponent: Component;
  let token: string;
  const captured: Captured[] = [];

  beforeAll(async () => {
    let target = '';
    recorder = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        captured.push({ method: req.method!, url: req.url!, headers: req.headers, body: body.toString() });
        if (req.headers['x-test-hold'] !== undefined) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true,"data":"held"}');
          return;
        }
        const upstream = http.request(target + req.url!, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    gatehouse = await startTestGatehouse({ config: { API_UPSTREAM_URL: recorderUrl, RATE_LIMIT_TOKEN_ENDPOINT: 1_000 } });
    apiComponent = createApiComponent(gatehouse.runtime);
    api = await listen(apiComponent.listener!, { host: '127.0.0.1', port: 0 });
    target = api.url;
    const signedIn = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email: 'admin@example.test', password: 'admin-password-1' } });
    expect(signedIn.status).toBe(200);
    token = signedIn.body.token as string;
  });
  afterAll(async () => {
    await gatehouse?.stop();
    await api?.close(1_000);
    await apiComponent?.stop();
    await new Promise((resolve) => recorder?.close(resolve));
  });

  /** Sends a request through the gateway and returns the assertion it carried to the API. */
  async function capture(method: string, path: string, body?: unknown, hold = true): Promise<{ status: number; seen: Captured }> {
    const before = captured.length;
    const res = await call(gatehouse.url, method, path, { token, ...(body !== undefined ? { body } : {}), headers: hold ? { 'x-test-hold': '1' } : {} });
    expect(captured.length).toBe(before + 1);
    const seen = captured[captured.length - 1]!;
    expect(seen.headers[IDENTITY_HEADER]).toEqual(expect.any(String));
    return { status: res.status, seen };
  }

  /** Sends a captured assertion straight to the resource API, with the given target and body. */
  async function replay(seen: Captured, url: string, body?: string) {
    const res = await fetch(api.url + url, {
      method: seen.method,
      headers: { [IDENTITY_HEADER]: seen.headers[IDENTITY_HEADER] as string, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string } };
  }

  it('refuses the assertion of a request the gateway forwarded when it is sent again (401)', async () => {
    const { status, seen } = await capture('GET', '/v2/contacts?limit=5', undefined, false);
    expect(status).toBe(200);
    const again = await replay(seen, seen.url);
    expect([again.status, again.body.ok, again.body.error]).toEqual([401, false, 'invalid_auth']);
  });

  it('refuses an assertion replayed with another query (401); with its own query it works, once', async () => {
    const { seen } = await capture('GET', '/v2/contacts?limit=5');
    for (const url of ['/v2/contacts?limit=6', '/v2/contacts', '/v2/contacts?limit=5&q=x', '/v2/contacts?limit=05']) {
      const res = await replay(seen, url);
      expect([res.status, res.body.error], url).toEqual([401, 'invalid_auth']);
    }
    // The query was the only difference: the captured request itself is accepted, the first time.
    expect((await replay(seen, '/v2/contacts?limit=5')).status).toBe(200);
    expect((await replay(seen, '/v2/contacts?limit=5')).status).toBe(401);
  });

  it('refuses an assertion replayed with another body, or without its body (401); with its own body it works', async () => {
    const first = await capture('POST', '/v2/contacts', { name: 'Ann' });
    expect(first.seen.body).toBe('{"name":"Ann"}');
    const tampered = await replay(first.seen, '/v2/contacts', '{"name":"Eve"}');
    expect([tampered.status, tampered.body.error]).toEqual([401, 'invalid_auth']);
    const second = await capture('POST', '/v2/contacts', { name: 'Ann' });
    const empty = await replay(second.seen, '/v2/contacts');
    expect([empty.status, empty.body.error]).toEqual([401, 'invalid_auth']);

    const third = await capture('POST', '/v2/contacts', { name: 'Ann' });
    expect((await replay(third.seen, '/v2/contacts', '{"name":"Ann"}')).status).toBe(201);
  });

  it('refuses the same request twice (401), however soon', async () => {
    const { seen } = await capture('GET', '/v2/users/me');
    const [first, second] = await Promise.all([replay(seen, '/v2/users/me'), replay(seen, '/v2/users/me')]);
    expect([first.status, second.status].sort()).toEqual([200, 401]);
    const third = await replay(seen, '/v2/users/me');
    expect([third.status, third.body.error]).toEqual([401, 'invalid_auth']);
  });
});

describe('the replay cache of one process', () => {
  it('remembers an id for at least a whole window and forgets it after two (bounded memory)', () => {
    const clock = fixedClock(1_000_000);
    const cache = createReplayCache({ redis: undefined, keyPrefix: 'test:', clock, logger: undefined as never });
    expect(cache.seenBefore('a')).toBe(false);
    expect(cache.seenBefore('a')).toBe(true);
    clock.advance(ASSERTION_REPLAY_WINDOW_MS - 1);
    expect(cache.seenBefore('a')).toBe(true);
    clock.advance(1);
    expect(cache.seenBefore('b')).toBe(false);
    expect(cache.seenBefore('a')).toBe(true);
    clock.advance(ASSERTION_REPLAY_WINDOW_MS);
    // `a` is older than any assertion the API still accepts: it may be forgotten now.
    expect(cache.seenBefore('b')).toBe(true);
    expect(cache.seenBefore('a')).toBe(false);
  });
});
