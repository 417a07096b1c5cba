import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, rawRequest, request, startGateway, startIssuer, startUpstream, type Issuer, type TestGateway, type Upstream } from './harness.js';

describe('bad input never makes the gateway answer 5xx, crash or hang', () => {
  let issuer: Issuer;
  let api: Upstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    issuer = await startIssuer();
    api = await startUpstream();
    gateway = await startGateway({ issuer, api });
  });
  afterAll(async () => {
    await gateway.close();
    await api.close();
    await issuer.close();
  });

  const cases: Array<[string, string, Record<string, string>, number]> = [
    ['unknown method', 'PROPFIND /things', {}, 405],
    ['OPTIONS without CORS headers', 'OPTIONS /things', {}, 405],
    ['Bearer without a token', 'GET /things', { Authorization: 'Bearer' }, 401],
    ['Bearer with spaces only', 'GET /things', { Authorization: 'Bearer    ' }, 401],
    ['Basic with garbage', 'GET /things', { Authorization: 'Basic %%%%' }, 401],
    ['Basic without colon', 'GET /things', { Authorization: `Basic ${Buffer.from('ghk_x').toString('base64')}` }, 401],
    ['a JWT with a huge header', 'GET /things', { Authorization: `Bearer ${Buffer.from(JSON.stringify({ alg: 'ES256', x: 'y'.repeat(4000) })).toString('base64url')}.e30.sig` }, 401],
    ['a JWT whose header is not JSON', 'GET /things', { Authorization: 'Bearer bm90LWpzb24.e30.sig' }, 401],
    ['a JWT with a numeric kid', 'GET /things', { Authorization: `Bearer ${Buffer.from('{"alg":"ES256","kid":5,"typ":"at+jwt"}').toString('base64url')}.e30.c2ln` }, 401],
    ['a bad percent-encoding in a parameter', 'GET /things/%E0%A4%A', {}, 400],
    ['a query with a NUL escape', 'GET /things?x=%00', { Authorization: 'Bearer x.y.z' }, 401],
    ['an unauthenticated body far over the limit (refused before it is read)', 'POST /things', { 'Content-Length': '10000000000' }, 401],
  ];

  it.each(cases)('%s', async (_name, line, headers, expected) => {
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const res = await rawRequest(gateway.url, `${line} HTTP/1.1\r\nHost: x\r\n${head}Connection: close\r\n\r\n`);
    expect(res.status).toBe(expected);
    expect(res.text).toMatch(/"ok":false/);
  });

  // RFC 9112 §3.2 and §6.3: framing a server MUST refuse, which Node's parser lets through. Each
  // request is written whole, so a second request hidden in it would also be answered if it got in.
  const framing: Array<[string, string]> = [
    ['two Host field lines', 'GET /health HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n'],
    ['two Host field lines, differently cased', 'GET /health HTTP/1.1\r\nHost: a.example\r\nhOST: a.example\r\n'],
    ['a Host with a space', 'GET /health HTTP/1.1\r\nHost: a example\r\n'],
    ['a Host with user information', 'GET /health HTTP/1.1\r\nHost: user@a.example\r\n'],
    ['a Host with a path', 'GET /health HTTP/1.1\r\nHost: a.example/x\r\n'],
    ['Transfer-Encoding not ending in chunked', 'POST /things HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip\r\n'],
  ];

  it.each(framing)('refuses %s with 400 invalid_request', async (_name, head) => {
    // No `Connection: close`: the gateway itself must close, or the second request would be answered.
    const res = await rawRequest(gateway.url, `${head}\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.text.match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
    expect(JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: false, error: 'invalid_request' });
  });

  // Refused by Node's parser before any handler runs: the envelope still, not a bare status line.
  const unparsable: Array<[string, string, number, string]> = [
    ['a request line over the header limit', `GET /things?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n`, 431, 'The request line and headers exceed 16384 bytes.'],
    ['headers over the limit', `GET /things HTTP/1.1\r\nHost: x\r\nX-Padding: ${'y'.repeat(20_000)}\r\n`, 431, 'The request line and headers exceed 16384 bytes.'],
    ['a request line that is not HTTP', 'GET /things HTTP/9.Z\r\nHost: x\r\n', 400, 'The request is not valid HTTP/1.1.'],
    ['a NUL in a header value', 'GET /things HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n', 400, 'The request is not valid HTTP/1.1.'],
  ];

  it.each(unparsable)('answers %s in the envelope', async (_name, head, status, message) => {
    const res = await rawRequest(gateway.url, `${head}\r\n`);
    expect(res.status).toBe(status);
    expect(res.text).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: false, error: 'invalid_request', message });
  });

  it.each([['a host name and port', 'gatehouse.example:8080'], ['an IPv6 literal', '[::1]:8080'], ['an empty Host (allowed by RFC 9112 §3.2)', '']])('accepts %s', async (_name, host) => {
    const res = await rawRequest(gateway.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(200);
  });

  it('still answers afterwards', async () => {
    const ok = await request(gateway.url, '/things', { headers: { authorization: `Bearer ${await mint(issuer)}` } });
    expect(ok.status).toBe(200);
  });
});
