import { createHmac } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ASSERTION_LIFETIME_SECONDS,
  ASSERTION_REPLAY_WINDOW_MS,
  bodySha256,
  createIdentitySigner,
  EMPTY_BODY_SHA256,
  IDENTITY_HEADER,
  InvalidAssertionError,
  signIdentity,
  verifyAssertion,
  verifyIdentity,
  type Identity,
} from '../../src/contract/identity.js';

// contract/identity.ts in-process: the assertion the gateway signs and the API verifies. The
// signer runs on an injected clock and id source, so its output is compared byte for byte with the
// payload written out below (and its HMAC recomputed here with node's crypto); the verifier reads
// the machine's time, so its tokens are made around `Date.now()` with seconds of margin on each
// side of every edge. test/gateway/identity-signer.test.ts tries the padding over random keys.

const KEY = new Uint8Array(32).fill(1);
const OTHER_KEY = new Uint8Array(32).fill(2);
const request = { method: 'GET', path: '/v2/users/me', query: 'a=1', bodySha256: EMPTY_BODY_SHA256 };
const EMPTY = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';
const ABC = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';

const decode = (part: string) => Buffer.from(part, 'base64url').toString('utf8');

describe('identity assertions (contract/identity.ts)', () => {
  it('the constants the gateway and the API share', () => {
    expect(IDENTITY_HEADER).toBe('x-gatehouse-identity');
    expect(ASSERTION_LIFETIME_SECONDS).toBe(30);
    expect(ASSERTION_REPLAY_WINDOW_MS).toBe(40_000);
    expect(EMPTY_BODY_SHA256).toBe(EMPTY);
  });

  const digests: Array<[string, string | Uint8Array, string]> = [
    ['empty', '', EMPTY],
    ['abc', 'abc', ABC],
    ['abc as bytes', new Uint8Array([0x61, 0x62, 0x63]), ABC],
    ['é (UTF-8)', 'é', 'SplVfkAzw1Od4utlRyAXytX5VX96BiWgnxw_biumnEw'],
  ];
  it.each(digests)('body digest of %s', (_name, body, expected) => {
    expect(bodySha256(body)).toBe(expected);
  });

  describe('what the signer writes', () => {
    // identity → the payload's exact text: the identity's JSON padded with spaces to whole base64
    // groups (its UTF-8 length a multiple of 3), then the request's claims
    const tail = `,"htm":"GET","htu":"/v2/users/me","htq":"a=1","body_sha256":"${EMPTY}","jti":"id-1","iat":1795262400,"exp":1795262430}`;
    const payloads: Array<[string, Identity, string]> = [
      ['no padding needed', { sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user', jti: 't' },
        `{"sub":"u","org":"o","role":"agent","scopes":["agent"],"kind":"user","token_jti":"t","iss":"gatehouse-gateway","aud":"gatehouse-api"${tail}`],
      ['two spaces', { sub: 'uu', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user', jti: 't' },
        `{"sub":"uu","org":"o","role":"agent","scopes":["agent"],"kind":"user","token_jti":"t","iss":"gatehouse-gateway","aud":"gatehouse-api"  ${tail}`],
      ['one space', { sub: 'uuu', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user', jti: 't' },
        `{"sub":"uuu","org":"o","role":"agent","scopes":["agent"],"kind":"user","token_jti":"t","iss":"gatehouse-gateway","aud":"gatehouse-api" ${tail}`],
      ['counted in bytes, not characters (é is two)', { sub: 'é', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' },
        `{"sub":"é","org":"o","role":"agent","scopes":["agent"],"kind":"user","iss":"gatehouse-gateway","aud":"gatehouse-api"${tail}`],
      ['a client', { sub: 'svc', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user', client_id: 'svc' },
        `{"sub":"svc","org":"o","role":"agent","scopes":["agent"],"kind":"user","client_id":"svc","iss":"gatehouse-gateway","aud":"gatehouse-api"  ${tail}`],
    ];
    it.each(payloads)('%s', (_name, identity, payload) => {
      // 999 ms into the second: iat is whole seconds
      const sign = createIdentitySigner(KEY, () => 1_795_262_400_999, () => 'id-1');
      for (let i = 0; i < 2; i++) {
        const assertion = sign(identity, request);
        const [header, body, signature, extra] = assertion.split('.');
        expect(extra).toBe(undefined);
        expect(decode(header!)).toBe('{"alg":"HS256","typ":"gatehouse-identity+jwt"}');
        expect(decode(body!)).toBe(payload);
        expect(signature).toBe(createHmac('sha256', KEY).update(`${header}.${body}`).digest('base64url'));
      }
    });

    it('the request claims are escaped as JSON', () => {
      const sign = createIdentitySigner(KEY, () => 1_795_262_400_000, () => 'id-2');
      const assertion = sign({ sub: 'u', org: 'o', role: 'guest', scopes: [], kind: 'visitor', jti: 't' }, { method: 'POST', path: '/v2/a"b\\c', query: 'q="x"', bodySha256: ABC });
      expect(JSON.parse(decode(assertion.split('.')[1]!))).toStrictEqual({
        sub: 'u', org: 'o', role: 'guest', scopes: [], kind: 'visitor', token_jti: 't', iss: 'gatehouse-gateway', aud: 'gatehouse-api',
        htm: 'POST', htu: '/v2/a"b\\c', htq: 'q="x"', body_sha256: ABC, jti: 'id-2', iat: 1_795_262_400, exp: 1_795_262_430,
      });
    });

    it('one identity object, several requests: each assertion has its own request claims and id', () => {
      let n = 0;
      const sign = createIdentitySigner(KEY, () => 1_795_262_400_000, () => `id-${(n += 1)}`);
      const who: Identity = { sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' };
      const first = JSON.parse(decode(sign(who, request).split('.')[1]!)) as Record<string, unknown>;
      const second = JSON.parse(decode(sign(who, { ...request, method: 'DELETE' }).split('.')[1]!)) as Record<string, unknown>;
      expect([first.htm, first.jti, second.htm, second.jti]).toStrictEqual(['GET', 'id-1', 'DELETE', 'id-2']);
    });

    it('two identity objects with one signer: each keeps its own claims', () => {
      const sign = createIdentitySigner(KEY, () => 1_795_262_400_000, () => 'id-1');
      const a = JSON.parse(decode(sign({ sub: 'a', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' }, request).split('.')[1]!)) as Record<string, unknown>;
      const b = JSON.parse(decode(sign({ sub: 'b', org: 'o', role: 'admin', scopes: ['admin'], kind: 'user' }, request).split('.')[1]!)) as Record<string, unknown>;
      expect([a.sub, a.role, b.sub, b.role]).toStrictEqual(['a', 'agent', 'b', 'admin']);
    });

    it('by default: the machine clock and a fresh UUID per assertion', async () => {
      const sign = createIdentitySigner(KEY);
      const before = Math.floor(Date.now() / 1000);
      const claims = [sign({ sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' }, request), sign({ sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' }, request)]
        .map((a) => JSON.parse(decode(a.split('.')[1]!)) as { jti: string; iat: number; exp: number });
      const after = Math.floor(Date.now() / 1000);
      for (const c of claims) {
        expect(c.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(c.iat).toBeGreaterThanOrEqual(before);
        expect(c.iat).toBeLessThanOrEqual(after);
        expect(c.exp - c.iat).toBe(30);
      }
      expect(claims[0]!.jti).not.toBe(claims[1]!.jti);
    });

    it('signIdentity: one assertion the verifier accepts', async () => {
      const who: Identity = { sub: 'u', org: 'o', role: 'bot', scopes: ['bot'], kind: 'api_key', key_id: 'key-1' };
      expect(await verifyIdentity(await signIdentity(who, KEY, request), KEY, request)).toStrictEqual(who);
    });
  });

  describe('what the verifier accepts', () => {
    const signNow = (offsetS = 0) => createIdentitySigner(KEY, () => Date.now() + offsetS * 1000);

    const identities: Array<[string, Identity]> = [
      ['a user with a token id', { sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['openid', 'agent'], kind: 'user', client_id: 'client-1', jti: 'tok-1' }],
      ['an API key', { sub: 'user-2', org: 'org-1', role: 'bot', scopes: ['bot'], kind: 'api_key', key_id: 'key-1' }],
      ['a visitor without client or token id', { sub: 'visitor-1', org: 'org-1', role: 'guest', scopes: ['guest'], kind: 'visitor' }],
    ];
    it.each(identities)('%s: given back exactly, with the assertion id and body digest', async (_name, who) => {
      let n = 0;
      const assertion = createIdentitySigner(KEY, Date.now, () => `assertion-${(n += 1)}`)(who, { ...request, bodySha256: ABC });
      expect(await verifyAssertion(assertion, KEY, request)).toStrictEqual({ identity: who, id: 'assertion-1', bodySha256: ABC });
    });

    // age of the assertion in seconds (negative: made in the future) → accepted; lifetime 30 s,
    // leeway 5 s: accepted from -5 to 34, with 2 s of margin on each side here
    const ages: Array<[number, boolean]> = [
      [0, true],
      [-3, true],
      [-8, false],
      [32, true],
      [37, false],
      [120, false],
    ];
    it.each(ages)('made %d s ago: accepted %s', async (age, accepted) => {
      const assertion = signNow(-age)({ sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' }, request);
      if (accepted) expect((await verifyAssertion(assertion, KEY, request)).identity.sub).toBe('u');
      else await expect(verifyAssertion(assertion, KEY, request)).rejects.toBeInstanceOf(InvalidAssertionError);
    });

    it('the refusal names the jose code: expired, and made in the future', async () => {
      const who: Identity = { sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' };
      await expect(verifyAssertion(signNow(-37)(who, request), KEY, request)).rejects.toThrow(new InvalidAssertionError('invalid identity assertion: ERR_JWT_EXPIRED'));
      await expect(verifyAssertion(signNow(8)(who, request), KEY, request)).rejects.toThrow(new InvalidAssertionError('invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'));
    });

    it('a long-lived assertion is refused by its age even when its exp is far', async () => {
      const iat = Math.floor(Date.now() / 1000) - 45;
      const token = await hs256({ ...claims(), iat, exp: iat + 3600 });
      await expect(verifyAssertion(token, KEY, request)).rejects.toThrow(new InvalidAssertionError('invalid identity assertion: ERR_JWT_EXPIRED'));
    });

    function claims(): JWTPayload {
      const iat = Math.floor(Date.now() / 1000);
      return {
        sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user', iss: 'gatehouse-gateway', aud: 'gatehouse-api',
        htm: 'GET', htu: '/v2/users/me', htq: 'a=1', body_sha256: EMPTY, jti: 'id-1', iat, exp: iat + 30,
      };
    }
    function hs256(payload: JWTPayload, header: Record<string, unknown> = {}, key: Uint8Array = KEY, alg = 'HS256'): Promise<string> {
      return new SignJWT(payload).setProtectedHeader({ alg, typ: 'gatehouse-identity+jwt', ...header }).sign(key);
    }

    it('a token made by jose with the same claims is accepted (the format is plain JWT)', async () => {
      expect((await verifyAssertion(await hs256(claims()), KEY, request)).identity).toStrictEqual({ sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' });
    });

    // changes to an otherwise valid token → the refusal's message
    const refusals: Array<[string, () => Promise<string>, string]> = [
      ['another key', () => hs256(claims(), {}, OTHER_KEY), 'invalid identity assertion: ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      ['HS512 with the same key', () => hs256(claims(), {}, KEY, 'HS512'), 'invalid identity assertion: ERR_JOSE_ALG_NOT_ALLOWED'],
      ['another issuer', () => hs256({ ...claims(), iss: 'gatehouse-auth' }), 'invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['another audience', () => hs256({ ...claims(), aud: 'gatehouse-gateway' }), 'invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['another type', () => hs256(claims(), { typ: 'JWT' }), 'invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['an access token type', () => hs256(claims(), { typ: 'at+jwt' }), 'invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['no jti', () => hs256({ ...claims(), jti: undefined }), 'invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['no iat', () => hs256({ ...claims(), iat: undefined }), 'invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['no exp', () => hs256({ ...claims(), exp: undefined }), 'invalid identity assertion: ERR_JWT_CLAIM_VALIDATION_FAILED'],
      ['another method', () => hs256({ ...claims(), htm: 'POST' }), 'the identity assertion was made for another request'],
      ['another path', () => hs256({ ...claims(), htu: '/v2/users' }), 'the identity assertion was made for another request'],
      ['another query', () => hs256({ ...claims(), htq: '' }), 'the identity assertion was made for another request'],
      ['no method', () => hs256({ ...claims(), htm: undefined }), 'the identity assertion was made for another request'],
      ['a body digest that is not a string', () => hs256({ ...claims(), body_sha256: 1 }), 'the identity assertion is malformed'],
      ['no body digest', () => hs256({ ...claims(), body_sha256: undefined }), 'the identity assertion is malformed'],
      ['a jti that is not a string', () => hs256({ ...claims(), jti: 7 as unknown as string }), 'the identity assertion is malformed'],
    ];
    it.each(refusals)('%s', async (_name, make, message) => {
      const token = await make();
      const err = await verifyAssertion(token, KEY, request).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidAssertionError);
      expect((err as Error).message).toBe(message);
      expect((err as Error).name).toBe('InvalidAssertionError');
    });

    it('garbage', async () => {
      await expect(verifyAssertion('not-a-jwt', KEY, request)).rejects.toThrow(new InvalidAssertionError('invalid identity assertion: ERR_JWS_INVALID'));
    });

    it('an error that is not about the token goes on as it is', async () => {
      const token = await hs256(claims());
      const err = await verifyAssertion(token, 'not a key' as unknown as Uint8Array, request).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect(err).not.toBeInstanceOf(InvalidAssertionError);
    });

    it('verifyIdentity also requires the body it was made for', async () => {
      const who: Identity = { sub: 'u', org: 'o', role: 'agent', scopes: ['agent'], kind: 'user' };
      const assertion = signNow()(who, { ...request, bodySha256: ABC });
      expect(await verifyIdentity(assertion, KEY, { ...request, bodySha256: ABC })).toStrictEqual(who);
      await expect(verifyIdentity(assertion, KEY, request)).rejects.toThrow(new InvalidAssertionError('the identity assertion was made for another body'));
    });
  });
});
