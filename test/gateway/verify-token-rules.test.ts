import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthFailure } from '../../src/gateway/auth-error.js';
import type { Caller } from '../../src/gateway/caller.js';
import { createJwksCache, type JwksCache } from '../../src/gateway/jwks.js';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from '../../src/gateway/verify-token.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';

// verify-token.ts in-process: real jose keys, the real JWKS cache (createJwksCache, as the gateway
// builds it) over a JWKS served on 127.0.0.1, and a clock set in 2020 and advanced by hand, so a
// verifier that read the machine's time would see every token long expired. Every answer below is
// written out; none is computed by the code under test. The HTTP tests (authentication.test.ts)
// drive the same verifier through the gateway.

const ISSUER = 'https://gatehouse.test';
const AUDIENCE = 'https://gatehouse.test/api';
/** 2020-01-01T00:00:00Z, in seconds. */
const T0 = 1_577_836_800;
/** The token's lifetime in the base claims: T0 + 600 s. */
const EXP = 1_577_837_400;
const TOLERANCE_S = 5;

const base: JWTPayload = {
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'user-1',
  org: 'org-1',
  scope: 'openid agent',
  client_id: 'client-1',
  jti: 'jti-1',
  gid: 'grant-1',
  iat: T0,
  exp: EXP,
};

/** The caller the base claims give. */
const baseCaller: Caller = {
  identity: { sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['openid', 'agent'], kind: 'user', client_id: 'client-1', jti: 'jti-1' },
  grantId: 'grant-1',
  issuedAt: 1_577_836_800_000,
  expiresAt: 1_577_837_400_000,
};

interface Refusal {
  reason: string;
  code: string;
  status: number;
  message: string;
  headers: Record<string, string>;
}

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<Refusal> {
  let err: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    err = e;
  }
  if (!(err instanceof AuthFailure)) throw new Error(`expected an AuthFailure, got ${String(err)}`);
  return { reason: err.reason, code: err.code, status: err.status, message: err.message, headers: err.headers };
}

const invalid = (reason: string, message: string, description = message): Refusal => ({
  reason,
  code: 'invalid_auth',
  status: 401,
  message,
  headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` },
});

const expiredRefusal = (status: number): Refusal => ({
  reason: 'expired',
  code: 'token_expired',
  status,
  message: 'The access token has expired; request a new one with the refresh token.',
  headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' },
});

describe('access-token verification (verify-token.ts)', () => {
  let es: { publicKey: CryptoKey; privateKey: CryptoKey };
  let rs: { publicKey: CryptoKey; privateKey: CryptoKey };
  let esPublicJwk: JWK;
  let attacker: { publicKey: CryptoKey; privateKey: CryptoKey };
  let es384: { publicKey: CryptoKey; privateKey: CryptoKey };
  let server: http.Server;
  let jwksUrl: string;
  let jwksFetches = 0;
  const clock = fixedClock(T0 * 1000);
  const logger = createLogger({ level: 'silent' });
  /** Every header the verifier asked the JWKS cache about. */
  let lookups: JWSHeaderParameters[] = [];
  let failLookups = false;
  let jwks: JwksCache;

  beforeAll(async () => {
    es = await generateKeyPair('ES256', { extractable: true });
    rs = await generateKeyPair('RS256', { extractable: true });
    attacker = await generateKeyPair('ES256', { extractable: true });
    es384 = await generateKeyPair('ES384');
    esPublicJwk = await exportJWK(es.publicKey);
    const keys: JWK[] = [
      { ...esPublicJwk, kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ];
    server = http.createServer((_req, res) => {
      jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/jwks`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    clock.set(T0 * 1000);
    lookups = [];
    failLookups = false;
    const real = createJwksCache({ url: jwksUrl, algorithms: ['ES256', 'RS256'], cooldownMs: 30_000, maxAgeMs: 86_400_000, timeoutMs: 2_000, clock, logger });
    // The real cache, with the headers it is asked about recorded (and an outage on demand).
    jwks = {
      refresh: () => real.refresh(),
      keyFor: (header) => {
        lookups.push(header);
        if (failLookups) return Promise.reject(new Error('JWKS lookup failed'));
        return real.keyFor(header);
      },
    };
  });

  function verifier(overrides: Partial<TokenVerifierOptions> = {}): TokenVerifier {
    return createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256', 'RS256'],
      clockToleranceS: TOLERANCE_S,
      expiredStatus: 403,
      cacheSize: 100,
      jwks,
      clock,
      ...overrides,
    });
  }

  function sign(claims: JWTPayload, header: Partial<JWSHeaderParameters> = {}, key: CryptoKey = es.privateKey): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'es-1', ...header }).sign(key);
  }

  /** The base claims with some replaced; `undefined` removes one. */
  function claims(changes: Record<string, unknown>): JWTPayload {
    const out: Record<string, unknown> = { ...base, ...changes };
    for (const [name, value] of Object.entries(changes)) if (value === undefined) delete out[name];
    return out;
  }

  describe('accepted tokens and the caller they give', () => {
    it('an ES256 token signed by the published key', async () => {
      expect(await verifier()(await sign(base))).toStrictEqual(baseCaller);
      expect(lookups).toStrictEqual([{ alg: 'ES256', typ: 'at+jwt', kid: 'es-1' }]);
    });

    it('an RS256 token signed by the published key', async () => {
      const token = await new SignJWT(base).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'rs-1' }).sign(rs.privateKey);
      expect(await verifier()(token)).toStrictEqual(baseCaller);
    });

    it('only the algorithms it is given: RS256 refused by a verifier pinned to ES256', async () => {
      const token = await new SignJWT(base).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'rs-1' }).sign(rs.privateKey);
      expect(await refusal(verifier({ algorithms: ['ES256'] })(token))).toStrictEqual(
        invalid('algorithm', 'The access token is signed with an algorithm that is not accepted.'),
      );
      expect(lookups).toStrictEqual([]);
    });

    // scope claim → role and scopes; the role comes from the token's scope alone, so a token whose
    // scope is below the member's role acts with the lower one.
    const scopes: Array<[string, unknown, Caller['identity']['role'], string[]]> = [
      ['openid agent', 'openid agent', 'agent', ['openid', 'agent']],
      ['admin', 'admin', 'admin', ['admin']],
      ['a guest scope of an admin member', 'openid guest', 'guest', ['openid', 'guest']],
      ['several roles: the highest', 'guest agent bot', 'bot', ['guest', 'agent', 'bot']],
      ['no role scope', 'openid profile', undefined, ['openid', 'profile']],
      ['empty scope', '', undefined, []],
      ['extra spaces', ' agent  guest ', 'agent', ['agent', 'guest']],
      ['a role in another case', 'Admin', undefined, ['Admin']],
      ['a scope that is an array', ['admin'], undefined, []],
      ['a scope that is a number', 3, undefined, []],
    ];
    it.each(scopes)('scope: %s', async (_name, scope, role, expected) => {
      const caller = await verifier()(await sign(claims({ scope })));
      expect(caller.identity.role).toBe(role);
      expect(caller.identity.scopes).toStrictEqual(expected);
    });

    it('no scope claim at all: authenticated, no role', async () => {
      const caller = await verifier()(await sign(claims({ scope: undefined })));
      expect(caller.identity).toStrictEqual({ sub: 'user-1', org: 'org-1', role: undefined, scopes: [], kind: 'user', client_id: 'client-1', jti: 'jti-1' });
    });

    const identities: Array<[string, Record<string, unknown>, Caller['identity']]> = [
      ['a client-credentials token (client_id = sub)', { sub: 'svc-1', client_id: 'svc-1', scope: 'bot' },
        { sub: 'svc-1', org: 'org-1', role: 'bot', scopes: ['bot'], kind: 'client', client_id: 'svc-1', jti: 'jti-1' }],
      ['no client_id', { client_id: undefined },
        { sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['openid', 'agent'], kind: 'user', jti: 'jti-1' }],
      ['a client_id that is not a string', { client_id: 7, sub: 'user-1' },
        { sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['openid', 'agent'], kind: 'user', jti: 'jti-1' }],
      ['no jti', { jti: undefined },
        { sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['openid', 'agent'], kind: 'user', client_id: 'client-1' }],
      ['a jti that is not a string (never used as a token id)', { jti: 7 },
        { sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['openid', 'agent'], kind: 'user', client_id: 'client-1' }],
      ['a visitor token', { sub: 'visitor-1', visitor: 'vis_abc', scope: 'guest', client_id: 'widget-1' },
        { sub: 'visitor-1', org: 'org-1', role: 'guest', scopes: ['guest'], kind: 'visitor', client_id: 'widget-1', jti: 'jti-1' }],
      ['a visitor token whose client_id is its subject', { sub: 'visitor-1', visitor: 'vis_abc', scope: 'guest', client_id: 'visitor-1' },
        { sub: 'visitor-1', org: 'org-1', role: 'guest', scopes: ['guest'], kind: 'visitor', client_id: 'visitor-1', jti: 'jti-1' }],
      ['a visitor token with an empty visitor claim', { sub: 'visitor-1', visitor: '', scope: 'guest' },
        { sub: 'visitor-1', org: 'org-1', role: 'guest', scopes: ['guest'], kind: 'visitor', client_id: 'client-1', jti: 'jti-1' }],
    ];
    it.each(identities)('%s', async (_name, changes, identity) => {
      expect((await verifier()(await sign(claims(changes)))).identity).toStrictEqual(identity);
    });

    it('no gid: no grant id', async () => {
      expect(await verifier()(await sign(claims({ gid: undefined })))).toStrictEqual({ ...baseCaller, grantId: undefined });
    });

    it('a gid that is not a string: no grant id', async () => {
      expect((await verifier()(await sign(claims({ gid: 12 })))).grantId).toBe(undefined);
    });

    it('typ is compared as a media type: application/at+jwt and AT+JWT pass', async () => {
      expect(await verifier()(await sign(base, { typ: 'application/at+jwt' }))).toStrictEqual(baseCaller);
      expect(await verifier()(await sign(base, { typ: 'AT+JWT' }))).toStrictEqual(baseCaller);
    });

    it('a token without kid is checked against the published key of its algorithm', async () => {
      expect(await verifier()(await new SignJWT(base).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(es.privateKey))).toStrictEqual(baseCaller);
    });
  });

  describe('attacks refused before any key lookup', () => {
    it('alg: none', async () => {
      const token = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'es-1' }))}.${base64url.encode(JSON.stringify(base))}.`;
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('algorithm', 'The access token is signed with an algorithm that is not accepted.'));
      expect(lookups).toStrictEqual([]);
    });

    it('no alg at all', async () => {
      const token = `${base64url.encode(JSON.stringify({ typ: 'at+jwt', kid: 'es-1' }))}.${base64url.encode(JSON.stringify(base))}.sig`;
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('algorithm', 'The access token is signed with an algorithm that is not accepted.'));
      expect(lookups).toStrictEqual([]);
    });

    it('HS256 with the published ES256 key as the HMAC secret (algorithm confusion)', async () => {
      const secret = new TextEncoder().encode(JSON.stringify(esPublicJwk));
      const token = await new SignJWT(base).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'es-1' }).sign(secret);
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('algorithm', 'The access token is signed with an algorithm that is not accepted.'));
      expect(lookups).toStrictEqual([]);
    });

    it('an algorithm not pinned (ES384)', async () => {
      const token = await sign(base, { alg: 'ES384' }, es384.privateKey);
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('algorithm', 'The access token is signed with an algorithm that is not accepted.'));
      expect(lookups).toStrictEqual([]);
    });

    // Each header on an otherwise valid token signed by the real key: refused for the header alone.
    const keyBearing: Array<[string, unknown]> = [
      ['jwk', { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }],
      ['jku', 'https://evil.test/keys'],
      ['x5u', 'https://evil.test/cert.pem'],
      ['x5c', ['MIIBszCCAVmgAwIBAgIUXXXX']],
    ];
    it.each(keyBearing)('a %s header, on a token the real key signed', async (name, value) => {
      const token = await sign(base, { [name]: value });
      expect(await refusal(verifier()(token))).toStrictEqual(
        invalid('forbidden_header', `Access tokens with a "${name}" header are refused.`, `Access tokens with a ${name} header are refused.`),
      );
      expect(lookups).toStrictEqual([]);
    });

    it('an embedded jwk of the attacker key, signed by it', async () => {
      const token = await sign(base, { jwk: await exportJWK(attacker.publicKey) }, attacker.privateKey);
      expect(await refusal(verifier()(token))).toStrictEqual(
        invalid('forbidden_header', 'Access tokens with a "jwk" header are refused.', 'Access tokens with a jwk header are refused.'),
      );
    });

    const garbage: Array<[string, string]> = [
      ['not a JWT', 'not-a-jwt'],
      ['a header that is not JSON', `${base64url.encode('{alg')}.${base64url.encode(JSON.stringify(base))}.sig`],
      ['empty', ''],
    ];
    it.each(garbage)('%s', async (_name, token) => {
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('malformed', 'The access token is malformed.'));
      expect(lookups).toStrictEqual([]);
    });
  });

  describe('refusals after the key lookup', () => {
    it('an unknown kid', async () => {
      const token = await sign(base, { kid: 'forged-1' }, attacker.privateKey);
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('unknown_key', 'The access token is signed with an unknown key.'));
      expect(lookups).toStrictEqual([{ alg: 'ES256', typ: 'at+jwt', kid: 'forged-1' }]);
    });

    it('the published kid, signed by another key', async () => {
      const token = await sign(base, {}, attacker.privateKey);
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('signature', 'The access token signature is invalid.'));
    });

    it('a payload changed after signing (scope raised to admin)', async () => {
      const [h, , s] = (await sign(base)).split('.');
      const forged = `${h}.${base64url.encode(JSON.stringify({ ...base, scope: 'admin' }))}.${s}`;
      expect(await refusal(verifier()(forged))).toStrictEqual(invalid('signature', 'The access token signature is invalid.'));
    });

    // claim → the claim named in the refusal
    const claimRefusals: Array<[string, Record<string, unknown>, Partial<JWSHeaderParameters>, string]> = [
      ['another issuer', { iss: 'https://evil.test' }, {}, 'iss'],
      ['no issuer', { iss: undefined }, {}, 'iss'],
      ['another audience', { aud: 'https://other.test/api' }, {}, 'aud'],
      ['no audience', { aud: undefined }, {}, 'aud'],
      ['the issuer as audience', { aud: ISSUER }, {}, 'aud'],
      ['a plain JWT type', {}, { typ: 'JWT' }, 'typ'],
      ['no type', {}, { typ: undefined }, 'typ'],
      ['an ID-token-like type', {}, { typ: 'id+jwt' }, 'typ'],
      ['no subject', { sub: undefined }, {}, 'sub'],
      ['no expiry', { exp: undefined }, {}, 'exp'],
      ['no issued-at', { iat: undefined }, {}, 'iat'],
    ];
    it.each(claimRefusals)('%s', async (_name, changes, header, claim) => {
      const token = await sign(claims(changes), header);
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('claims', `The access token is not valid here (${claim}).`));
    });

    const notAnOrganization: Array<[string, unknown]> = [['missing', undefined], ['empty', ''], ['a number', 7], ['an array', ['org-1']]];
    it.each(notAnOrganization)('organization %s', async (_name, org) => {
      expect(await refusal(verifier()(await sign(claims({ org }))))).toStrictEqual(invalid('claims', 'The access token names no organization.'));
    });

    // jose checks only that `sub` is there; a number, null, an array or '' is no subject.
    const notASubject: Array<[string, unknown]> = [['empty', ''], ['a number', 42], ['null', null], ['an array', ['user-1']], ['an object', { id: 'user-1' }]];
    it.each(notASubject)('subject %s', async (_name, sub) => {
      expect(await refusal(verifier()(await sign(claims({ sub }))))).toStrictEqual(invalid('claims', 'The access token names no subject.'));
    });

    const badVisitors: Array<[string, Record<string, unknown>]> = [
      ['with an admin scope', { visitor: 'vis_abc', scope: 'admin' }],
      ['with openid besides guest', { visitor: 'vis_abc', scope: 'openid guest' }],
      ['with no scope', { visitor: 'vis_abc', scope: undefined }],
      ['whose claim is a number', { visitor: 42, scope: 'guest' }],
      ['whose claim is null', { visitor: null, scope: 'guest' }],
      ['whose claim is an object', { visitor: { id: 'vis_abc' }, scope: 'guest' }],
    ];
    it.each(badVisitors)('a visitor token %s', async (_name, changes) => {
      expect(await refusal(verifier()(await sign(claims(changes))))).toStrictEqual(invalid('claims', 'The visitor token is malformed.'));
    });

    it('a critical header the verifier does not know', async () => {
      // jose refuses to sign it, so it is signed by hand (ES256 over WebCrypto is the JWS form, r || s).
      const input = `${base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: 'es-1', crit: ['exp-ext'], 'exp-ext': 1 }))}.${base64url.encode(JSON.stringify(base))}`;
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, es.privateKey, new TextEncoder().encode(input));
      const token = `${input}.${base64url.encode(new Uint8Array(signature))}`;
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('malformed', 'The access token is malformed.'));
    });

    it('a signed payload that is not a JSON object', async () => {
      const token = await new CompactSign(new TextEncoder().encode('"just a string"')).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'es-1' }).sign(es.privateKey);
      expect(await refusal(verifier()(token))).toStrictEqual(invalid('malformed', 'The access token is malformed.'));
    });

    it('a key-lookup failure is not a credential problem: the error itself goes on', async () => {
      failLookups = true;
      const err = await verifier()(await sign(base)).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(AuthFailure);
      expect((err as Error).message).toBe('JWKS lookup failed');
    });

    it('refused tokens are not cached', async () => {
      const verify = verifier();
      const token = await sign(claims({ iss: 'https://evil.test' }));
      await refusal(verify(token));
      expect(verify.cached(token)).toBe(undefined);
      await refusal(verify(token));
      expect(lookups.length).toBe(2);
    });
  });

  describe('time: exp and nbf at the edge of the leeway, on the injected clock', () => {
    // now (ms) → accepted, for a token expiring at EXP with a leeway of 5 s
    const expiry: Array<[number, boolean]> = [
      [1_577_836_800_000, true],
      [1_577_837_400_000, true], // at exp
      [1_577_837_404_999, true], // the last millisecond of the leeway
      [1_577_837_405_000, false], // exp + leeway
      [1_577_837_500_000, false],
    ];
    it.each(expiry)('exp at 1577837400 s, now %d ms: accepted %s (first sight)', async (now, accepted) => {
      const token = await sign(base);
      clock.set(now);
      const verify = verifier();
      if (accepted) expect(await verify(token)).toStrictEqual(baseCaller);
      else expect(await refusal(verify(token))).toStrictEqual(expiredRefusal(403));
    });

    it.each(expiry)('exp at 1577837400 s, now %d ms: accepted %s (from the cache)', async (now, accepted) => {
      const token = await sign(base);
      const verify = verifier();
      const first = await verify(token);
      clock.set(now);
      if (accepted) {
        expect(await verify(token)).toBe(first);
        expect(verify.cached(token)).toBe(first);
      } else {
        expect(await refusal(verify(token))).toStrictEqual(expiredRefusal(403));
      }
      expect(lookups.length).toBe(1);
    });

    it('without leeway, a token is expired from its exp on, cached or not', async () => {
      const token = await sign(base);
      const verify = verifier({ clockToleranceS: 0 });
      await verify(token);
      clock.set(1_577_837_399_999);
      expect(verify.cached(token)).toStrictEqual(baseCaller);
      clock.set(1_577_837_400_000);
      expect(await refusal(() => verify.cached(token))).toStrictEqual(expiredRefusal(403));
      expect(await refusal(verify(token))).toStrictEqual(expiredRefusal(403));
      expect(lookups.length).toBe(2);
    });

    it('a cached token past its expiry is dropped from the cache: the next sight verifies it again', async () => {
      const token = await sign(base);
      const verify = verifier();
      await verify(token);
      clock.set(1_577_837_405_000);
      expect(await refusal(verify(token))).toStrictEqual(expiredRefusal(403));
      expect(lookups.length).toBe(1);
      expect(verify.cached(token)).toBe(undefined);
      expect(await refusal(verify(token))).toStrictEqual(expiredRefusal(403));
      expect(lookups.length).toBe(2);
    });

    it('the expired status is the configured one (401)', async () => {
      const token = await sign(base);
      const verify = verifier({ expiredStatus: 401 });
      await verify(token);
      clock.set(1_577_837_405_000);
      expect(await refusal(() => verify.cached(token))).toStrictEqual(expiredRefusal(401));
      expect(await refusal(verify(token))).toStrictEqual(expiredRefusal(401));
    });

    // nbf = T0 + 60 s; now (ms) → accepted
    const notBefore: Array<[number, boolean]> = [
      [1_577_836_854_999, false],
      [1_577_836_855_000, true], // nbf - leeway
      [1_577_836_860_000, true],
    ];
    it.each(notBefore)('nbf at 1577836860 s, now %d ms: accepted %s', async (now, accepted) => {
      const token = await sign(claims({ nbf: 1_577_836_860 }));
      clock.set(now);
      if (accepted) expect((await verifier()(token)).identity.sub).toBe('user-1');
      else expect(await refusal(verifier()(token))).toStrictEqual(invalid('claims', 'The access token is not valid here (nbf).'));
    });
  });

  describe('the cache, by SHA-256 of the token', () => {
    it('a token seen before costs no lookup and gives the same caller', async () => {
      const verify = verifier();
      const token = await sign(base);
      expect(verify.cached(token)).toBe(undefined);
      const first = await verify(token);
      expect(verify.cached(token)).toBe(first);
      expect(await verify(token)).toBe(first);
      expect(lookups.length).toBe(1);
    });

    it('two tokens, two entries', async () => {
      const verify = verifier();
      const a = await sign(claims({ jti: 'jti-a' }));
      const b = await sign(claims({ jti: 'jti-b', scope: 'admin' }));
      await verify(a);
      await verify(b);
      expect(verify.cached(a)?.identity).toStrictEqual({ ...baseCaller.identity, jti: 'jti-a' });
      expect(verify.cached(b)?.identity).toStrictEqual({ ...baseCaller.identity, jti: 'jti-b', role: 'admin', scopes: ['admin'] });
    });

    it('size 0 disables it', async () => {
      const verify = verifier({ cacheSize: 0 });
      const token = await sign(base);
      await verify(token);
      await verify(token);
      expect(verify.cached(token)).toBe(undefined);
      expect(lookups.length).toBe(2);
    });

    it('holds at most its size, the least recently used goes first', async () => {
      const verify = verifier({ cacheSize: 2 });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => sign(claims({ jti: id }))));
      await verify(a!);
      await verify(b!);
      await verify(c!);
      expect(verify.cached(a!)).toBe(undefined);
      expect(verify.cached(b!)?.identity.jti).toBe('b');
      expect(verify.cached(c!)?.identity.jti).toBe('c');
    });

    it('the JWKS is fetched once for many tokens', async () => {
      const before = jwksFetches;
      const verify = verifier();
      for (const id of ['x', 'y', 'z']) await verify(await sign(claims({ jti: id })));
      expect(jwksFetches - before).toBe(1);
    });
  });
});
