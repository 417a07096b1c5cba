import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyCache } from '../../src/gateway/api-key-cache.js';
import { AuthFailure } from '../../src/gateway/auth-error.js';
import { createAuthenticator, type Authenticator } from '../../src/gateway/authenticate.js';
import type { Caller } from '../../src/gateway/caller.js';
import type { TokenVerifier } from '../../src/gateway/verify-token.js';

// authenticate.ts in-process: which credential of a request goes where. The token verifier and the
// API-key cache are the smallest objects implementing their interfaces; each records the exact
// value it was handed, so a table row says "this header reaches the verifier as `tok`" or "never
// reaches anything". Every answer is written out. The HTTP tests (authentication.test.ts,
// auth-path-variants.test.ts) drive the same authenticator through the gateway.

/** A well-formed key (its checksum is right); test/contract/api-key-format.test.ts checks the format itself. */
const KEY = 'ghk_Gatehouse0Test0Key0Body0123456782LvOyo';
/** The same key with its last checksum character changed. */
const BROKEN_KEY = 'ghk_Gatehouse0Test0Key0Body0123456782LvOyp';

const tokenCaller: Caller = { identity: { sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['agent'], kind: 'user' } };
const keyCaller: Caller = { identity: { sub: 'user-2', org: 'org-1', role: 'bot', scopes: ['bot'], kind: 'api_key', key_id: 'key-1' } };

const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

interface Refusal {
  reason: string;
  code: string;
  status: number;
  message: string;
  headers: Record<string, string>;
}

const invalid = (reason: string, message: string): Refusal => ({
  reason,
  code: 'invalid_auth',
  status: 401,
  message,
  headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${message}"` },
});

const tokenInQuery: Refusal = {
  reason: 'token_in_query',
  code: 'invalid_request',
  status: 400,
  message: 'Credentials are accepted only in the Authorization header, never in the query string.',
  headers: {},
};
const oneHeader = invalid('malformed', 'Send one Authorization header.');
const noCredential = invalid('malformed', 'The Authorization header holds no credential.');
const unsupported = invalid('malformed', 'The Authorization scheme is not supported; use Bearer or Basic.');
const keyMalformed = invalid('api_key_malformed', 'The API key is malformed.');
const basicMalformed = invalid('api_key_malformed', 'HTTP Basic carries an API key as the username and an empty password.');

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof AuthFailure)) throw new Error(`expected an AuthFailure, got ${String(err)}`);
  return { reason: err.reason, code: err.code, status: err.status, message: err.message, headers: err.headers };
}

describe('reading the credential of a request (authenticate.ts)', () => {
  /** What reached the verifier and the key cache, in order: [which, value]. */
  let calls: Array<[string, string]>;
  let authenticate: Authenticator;

  beforeEach(() => {
    calls = [];
    const verifyToken: TokenVerifier = Object.assign(
      (token: string) => {
        calls.push(['verify', token]);
        return Promise.resolve(tokenCaller);
      },
      {
        cached: (token: string) => {
          calls.push(['verify.cached', token]);
          return token === 'seen' ? tokenCaller : undefined;
        },
      },
    );
    const apiKeys: ApiKeyCache = {
      peek(key) {
        calls.push(['keys.peek', key]);
        return key === KEY ? keyCaller : undefined;
      },
      resolve(key) {
        calls.push(['keys.resolve', key]);
        return Promise.resolve(keyCaller);
      },
      revoked() {},
      clear() {},
      size: 0,
    };
    authenticate = createAuthenticator({ verifyToken, apiKeys });
  });

  describe('the full path', () => {
    // Authorization header → the caller and exactly what was asked for it
    const accepted: Array<[string, string, Caller, Array<[string, string]>]> = [
      ['a bearer token', 'Bearer tok', tokenCaller, [['verify', 'tok']]],
      ['spaces around the token are trimmed', 'Bearer   tok  ', tokenCaller, [['verify', 'tok']]],
      ['a space inside goes on as it is', 'Bearer a b', tokenCaller, [['verify', 'a b']]],
      ['a prefix in another case is a token, not a key', `Bearer GHK_${KEY.slice(4)}`, tokenCaller, [['verify', `GHK_${KEY.slice(4)}`]]],
      ['an API key as bearer', `Bearer ${KEY}`, keyCaller, [['keys.resolve', KEY]]],
      ['an API key as the Basic username, empty password', basic(`${KEY}:`), keyCaller, [['keys.resolve', KEY]]],
      ['Basic with spaces around', `Basic  ${Buffer.from(`${KEY}:`).toString('base64')} `, keyCaller, [['keys.resolve', KEY]]],
    ];
    it.each(accepted)('%s', async (_name, authorization, caller, expected) => {
      expect(await authenticate(authorization, '')).toBe(caller);
      expect(calls).toStrictEqual(expected);
    });

    const noCredentials: Array<[string, string | undefined]> = [['no header', undefined], ['an empty header', '']];
    it.each(noCredentials)('%s: no caller, nothing asked', async (_name, authorization) => {
      expect(await authenticate(authorization, '')).toBe(undefined);
      expect(calls).toStrictEqual([]);
    });

    // Authorization header → the refusal; nothing is asked about any of these
    const refused: Array<[string, string, Refusal]> = [
      ['a scheme alone', 'Bearer', noCredential],
      ['a scheme and a space', 'Bearer ', noCredential],
      ['a scheme and spaces', 'Bearer    ', noCredential],
      ['Basic alone', 'Basic', noCredential],
      ['a value without a scheme', 'tok', noCredential],
      ['a lowercase scheme', 'bearer tok', unsupported],
      ['an uppercase scheme', 'BEARER tok', unsupported],
      ['Digest', 'Digest abc', unsupported],
      ['a scheme with a suffix', 'BearerX tok', unsupported],
      ['a key with a bad checksum', `Bearer ${BROKEN_KEY}`, keyMalformed],
      ['the key prefix alone', 'Bearer ghk_', keyMalformed],
      ['a key and a password', basic(`${KEY}:secret`), basicMalformed],
      ['a key without the colon', basic(KEY), basicMalformed],
      ['a key and two colons', basic(`${KEY}::`), basicMalformed],
      ['a password alone', basic(':secret'), basicMalformed],
      ['Basic whose value decodes to nothing', 'Basic !!!', basicMalformed],
      ['Basic holding a user name', basic('alice:'), keyMalformed],
      ['Basic with an empty user name and password', basic(':'), keyMalformed],
      ['Basic holding a bad key', basic(`${BROKEN_KEY}:`), keyMalformed],
      ['Basic holding a token', basic('eyJhbGciOiJFUzI1NiJ9.e30.sig:'), keyMalformed],
      ['Basic not base64-encoded', `Basic ${KEY}:`, basicMalformed],
    ];
    it.each(refused)('%s', async (_name, authorization, expected) => {
      expect(await refusal(authenticate(authorization, ''))).toStrictEqual(expected);
      expect(calls).toStrictEqual([]);
    });

    // query string → refused (the credential in the header is valid)
    const queries: Array<[string, boolean]> = [
      ['access_token=x', true],
      ['a=1&access_token=x', true],
      ['api_key=x', true],
      ['a=1&b=2&apikey=x', true],
      ['ACCESS_TOKEN=x', true],
      ['ApiKey=', true],
      ['access_token=', true],
      ['my_access_token=x', false],
      ['access_token', false],
      ['x=access_token=1', false],
      ['a=1;access_token=x', false],
      ['api_keys=1', false],
      ['token=x', false],
      ['limit=10', false],
    ];
    it.each(queries)('query %s: refused %s', async (query, isRefused) => {
      if (isRefused) {
        expect(await refusal(authenticate('Bearer tok', query))).toStrictEqual(tokenInQuery);
        expect(calls).toStrictEqual([]);
      } else {
        expect(await authenticate('Bearer tok', query)).toBe(tokenCaller);
      }
    });

    it('a credential in the query is refused even without an Authorization header, and before two of them', async () => {
      expect(await refusal(authenticate(undefined, 'access_token=x'))).toStrictEqual(tokenInQuery);
      expect(await refusal(authenticate('Bearer tok', 'api_key=x', ['Authorization', 'Bearer a', 'Authorization', 'Bearer b']))).toStrictEqual(tokenInQuery);
    });

    // raw headers (name, value, name, value…) → refused as two credentials
    const rawHeaders: Array<[string, string[], boolean]> = [
      ['two Authorization headers', ['Authorization', 'Bearer tok', 'Authorization', 'Bearer other'], true],
      ['two, in other cases', ['authorization', 'Bearer tok', 'AUTHORIZATION', 'Bearer tok'], true],
      ['two among others', ['Host', 'x', 'Authorization', 'Bearer tok', 'Accept', '*/*', 'authorization', 'Basic x'], true],
      ['one', ['Host', 'x', 'Authorization', 'Bearer tok'], false],
      ['one, and a value that reads authorization', ['X-Note', 'authorization', 'Authorization', 'Bearer tok', 'X-Other', 'Authorization'], false],
      ['one, and longer names holding it', ['Authorization', 'Bearer tok', 'X-Authorization', 'a', 'Authorizations', 'b', 'Proxy-Authorization', 'c'], false],
      ['one, and another name of 13 characters', ['Cache-Control', 'no-cache', 'Authorization', 'Bearer tok', 'Content-Range', 'bytes 0-1/2'], false],
      ['none', [], false],
    ];
    it.each(rawHeaders)('%s: refused %s', async (_name, raw, isRefused) => {
      if (isRefused) {
        expect(await refusal(authenticate('Bearer tok', '', raw))).toStrictEqual(oneHeader);
        expect(calls).toStrictEqual([]);
      } else {
        expect(await authenticate('Bearer tok', '', raw)).toBe(tokenCaller);
        expect(calls).toStrictEqual([['verify', 'tok']]);
      }
    });

    it('two Authorization headers are refused even when node kept none of them', async () => {
      expect(await refusal(authenticate(undefined, '', ['Authorization', '', 'Authorization', '']))).toStrictEqual(oneHeader);
    });
  });

  describe('the hot path (cached)', () => {
    // header, query, raw headers → the caller, and what was asked
    const rows: Array<[string, string | undefined, string, string[] | undefined, Caller | undefined, Array<[string, string]>]> = [
      ['a token seen before', 'Bearer seen', '', undefined, tokenCaller, [['verify.cached', 'seen']]],
      ['a token seen before, spaces trimmed', 'Bearer  seen ', '', undefined, tokenCaller, [['verify.cached', 'seen']]],
      ['a token not seen', 'Bearer new', '', undefined, undefined, [['verify.cached', 'new']]],
      ['a key as bearer', `Bearer ${KEY}`, '', undefined, keyCaller, [['keys.peek', KEY]]],
      ['a key as bearer, spaces trimmed', `Bearer  ${KEY} `, '', undefined, keyCaller, [['keys.peek', KEY]]],
      ['an unknown key as bearer', `Bearer ${BROKEN_KEY}`, '', undefined, undefined, [['keys.peek', BROKEN_KEY]]],
      ['a key as Basic', basic(`${KEY}:`), '', undefined, keyCaller, [['keys.peek', KEY]]],
      ['a key as Basic, spaces trimmed', `Basic  ${Buffer.from(`${KEY}:`).toString('base64')} `, '', undefined, keyCaller, [['keys.peek', KEY]]],
      ['a key as Basic with a password', basic(`${KEY}:secret`), '', undefined, undefined, []],
      ['Basic without a colon', basic(KEY), '', undefined, undefined, []],
      ['any query string at all', 'Bearer seen', 'limit=10', undefined, undefined, []],
      ['a key, and a query string', `Bearer ${KEY}`, 'a=1', undefined, undefined, []],
      ['no header', undefined, '', undefined, undefined, []],
      ['two Authorization headers', 'Bearer seen', '', ['Authorization', 'Bearer seen', 'authorization', 'Bearer x'], undefined, []],
      ['one Authorization header among others', 'Bearer seen', '', ['Host', 'x', 'Authorization', 'Bearer seen'], tokenCaller, [['verify.cached', 'seen']]],
      ['a lowercase scheme', 'bearer seen', '', undefined, undefined, []],
      ['a scheme without its space', 'Bearerseen', '', undefined, undefined, []],
      ['Basic without its space', `Basic${Buffer.from(`${KEY}:`).toString('base64')}`, '', undefined, undefined, []],
      ['Digest', 'Digest seen', '', undefined, undefined, []],
      ['a lowercase Basic holding a key', `basic ${Buffer.from(`${KEY}:`).toString('base64')}`, '', undefined, undefined, []],
      ['another six-letter scheme holding a key', `Basix ${Buffer.from(`${KEY}:`).toString('base64')}`, '', undefined, undefined, []],
      ['another name of 13 characters beside the header', 'Bearer seen', '', ['Cache-Control', 'no-cache', 'Authorization', 'Bearer seen'], tokenCaller, [['verify.cached', 'seen']]],
      ['an empty header', '', '', undefined, undefined, []],
    ];
    it.each(rows)('%s', (_name, authorization, query, raw, caller, expected) => {
      expect(raw === undefined ? authenticate.cached(authorization, query) : authenticate.cached(authorization, query, raw)).toBe(caller);
      expect(calls).toStrictEqual(expected);
    });
  });
});
