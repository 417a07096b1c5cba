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

  it('still answers afterwards', async () => {
    const ok = await request(gateway.url, '/things', { headers: { authorization: `Bearer ${await mint(issuer)}` } });
    expect(ok.status).toBe(200);
  });
});
