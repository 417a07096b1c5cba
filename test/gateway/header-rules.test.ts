import { describe, expect, it } from 'vitest';
import {
  downstreamResponseHeaderList, downstreamResponseHeaders, HOP_BY_HOP_HEADERS, IDENTITY_HEADER_PREFIXES, IDENTITY_HEADERS, isStrippedHeader, upstreamRequestHeaders,
} from '../../src/gateway/headers.js';
import { HOP_BY_HOP, IDENTITY, PREFIXES } from '../helpers/stripped-headers.js';

// Header hygiene as data in, data out, with the expected headers written out. test/gateway/proxy.test.ts
// sends every stripped name of the exported lists through a real proxy; this pins the rules
// between them: `Connection` tokens, credentials, prefixes, and what replaces what.

describe('the stripped names', () => {
  it('are exactly the answer key', () => {
    expect([...HOP_BY_HOP_HEADERS].sort()).toEqual([...HOP_BY_HOP].sort());
    expect([...IDENTITY_HEADERS].sort()).toEqual([...IDENTITY].sort());
    expect([...IDENTITY_HEADER_PREFIXES].sort()).toEqual([...PREFIXES].sort());
  });
  it.each([...HOP_BY_HOP, ...IDENTITY, ...PREFIXES.map((prefix) => `${prefix}anything`)])('%s is stripped', (name) => {
    expect(isStrippedHeader(name)).toBe(true);
  });
  it('and an empty name is not one of them', () => {
    expect(isStrippedHeader('')).toBe(false);
  });
});

describe('headers sent upstream', () => {
  it('keeps ordinary headers, drops hop-by-hop, identity and Connection-named ones, and adds the gateway\'s', () => {
    const out = upstreamRequestHeaders({
      accept: 'application/json', 'content-type': 'application/json', 'x-custom': 'kept', 'x-multi': ['de', 'en'],
      connection: 'keep-alive, X-Drop-Me , x-also-gone', 'x-drop-me': '1', 'x-also-gone': '2',
      host: 'evil.example', 'transfer-encoding': 'chunked', te: 'trailers', upgrade: 'websocket', expect: '100-continue',
      'x-forwarded-for': '1.2.3.4', 'x-gatehouse-identity': 'forged', 'x-tenant-id': 'o2', 'x-http-method-override': 'DELETE',
      'x-user-id': 'u2', 'x-original-url': '/admin', forwarded: 'for=1.2.3.4', 'x-request-id': 'mine',
      authorization: 'Bearer abc', cookie: 'sid=1', 'x-undefined': undefined,
    }, { 'x-gatehouse-identity': 'signed', 'x-forwarded-for': '127.0.0.1' }, true);
    expect(out).toStrictEqual({
      accept: 'application/json', 'content-type': 'application/json', 'x-custom': 'kept', 'x-multi': ['de', 'en'],
      'x-gatehouse-identity': 'signed', 'x-forwarded-for': '127.0.0.1',
    });
  });

  it('keeps the credential headers when told to (the auth server needs them)', () => {
    expect(upstreamRequestHeaders({ authorization: 'Basic x', cookie: 'a=b', 'x-api-key': 'k' }, {}, false))
      .toEqual({ authorization: 'Basic x', cookie: 'a=b' });
  });

  it('reads a Connection header given twice as one list', () => {
    expect(upstreamRequestHeaders({ connection: ['x-a', 'x-b'] as never, 'x-a': '1', 'x-b': '2', 'x-c': '3' }, {}, true)).toEqual({ 'x-c': '3' });
  });

  it.each([
    ['x-gatehouse-anything', true], ['x-forwarded-host', true], ['x-authenticated-userid', true], ['x-auth-request-user', true],
    ['x-user-email', true], ['x-jwt-claims', true], ['x-original-host', true], ['proxy-authorization', true], ['http2-settings', true],
    ['x-tenant', false], ['x-gatehouse', false], ['user-agent', false], ['accept', false], ['x-userx', false], ['authorization', false],
  ] as const)('%s stripped: %s', (name, expected) => {
    expect(isStrippedHeader(name)).toBe(expected);
  });
});

describe('headers sent back', () => {
  it('drops hop-by-hop and Connection-named ones but keeps host', () => {
    expect(downstreamResponseHeaders({
      'content-type': 'text/plain', connection: 'x-secret', 'x-secret': '1', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked',
      host: 'kept', 'x-plain': '2', 'x-undefined': undefined,
    })).toStrictEqual({ 'content-type': 'text/plain', host: 'kept', 'x-plain': '2' });
  });

  it('passes everything else through when there is no Connection header', () => {
    expect(downstreamResponseHeaders({ 'content-type': 'text/plain', 'x-a': '1', 'x-none': undefined })).toStrictEqual({ 'content-type': 'text/plain', 'x-a': '1' });
  });

  it('from raw buffers: lower-cases, drops Connection-named ones, lets the gateway\'s replace, ends with the request id', () => {
    const raw = ['Content-Type', 'application/json', 'Connection', 'X-Internal', 'X-Internal', 'secret', 'Connection', 'x-more',
      'x-more', 'gone', 'Keep-Alive', 'timeout=5', 'Host', 'h', 'X-Request-Id', 'upstream-id', 'X-RateLimit-Limit', '1', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']
      .map((s) => Buffer.from(s, 'latin1'));
    expect(downstreamResponseHeaderList(raw, { 'x-ratelimit-limit': '100' }, 'req-1')).toEqual([
      'content-type', 'application/json', 'host', 'h', 'set-cookie', 'a=1', 'set-cookie', 'b=2',
      'x-ratelimit-limit', '100', 'x-request-id', 'req-1',
    ]);
  });

  it('treats "Connection: keep-alive" and "close" as naming no header', () => {
    const raw = ['Connection', 'close', 'close', 'x', 'Keep-Alive', 'timeout=5', 'keep-alive-ish', 'y'].map((s) => Buffer.from(s));
    expect(downstreamResponseHeaderList(raw, {}, 'r')).toEqual(['close', 'x', 'keep-alive-ish', 'y', 'x-request-id', 'r']);
    expect(upstreamRequestHeaders({ connection: 'Keep-Alive', 'keep-alive-ish': '1' }, {}, true)).toEqual({ 'keep-alive-ish': '1' });
  });

  it('drops every header a multi-token Connection names, whatever the spacing and case', () => {
    const raw = ['Connection', ' X-A ,, x-b', 'x-a', '1', 'x-b', '2', 'x-c', '3'].map((s) => Buffer.from(s));
    expect(downstreamResponseHeaderList(raw, {}, 'r')).toEqual(['x-c', '3', 'x-request-id', 'r']);
  });
});
