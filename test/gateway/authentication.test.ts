import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_BODY_SHA256, IDENTITY_HEADER, verifyIdentity } from '../../src/contract/identity.js';
import { fixedClock } from '../../src/shared/clock.js';
import { json, memoryApiKeys, mint, startGateway, startIssuer, startUpstream, type Issuer, type TestGateway, type Upstream } from './harness.js';

describe('gateway authentication: JWT access tokens and API keys', () => {
  let issuer: Issuer;
  let api: Upstream;
  let gateway: TestGateway;
  const apiKeys = memoryApiKeys();
  let attackerHits = 0;
  let attacker: http.Server;
  let attackerUrl: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    api = await startUpstream();
    gateway = await startGateway({ issuer, api, gateway: { apiKeys } });
    attacker = http.createServer((_req, res) => {
      attackerHits += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await gateway.close();
    await api.close();
    await issuer.close();
    attacker.close();
  });

  const get = (authorization?: string, path = '/things') =>
    fetch(`${gateway.url}${path}`, { headers: authorization ? { authorization } : {} });

  it('accepts ES256 and RS256 tokens and sends the identity only as a signed assertion', async () => {
    for (const alg of ['ES256', 'RS256']) {
      const res = await get(`Bearer ${await mint(issuer, { alg, claims: { jti: `j-${alg}` } })}`);
      expect(res.status, alg).toBe(200);
      const seen = api.last();
      expect(seen.headers.authorization).toBeUndefined();
      const identity = await verifyIdentity(seen.headers[IDENTITY_HEADER] as string, gateway.runtime.secrets.derive('identity-assertion'), { method: 'GET', path: '/things', query: '', bodySha256: EMPTY_BODY_SHA256 });
      expect(identity).toEqual({ sub: 'user-1', org: 'org-1', role: 'agent', scopes: ['openid', 'agent'], kind: 'user', client_id: 'client-1', jti: `j-${alg}` });
    }
  });

  it('answers a request without credentials 401 invalid_auth with WWW-Authenticate: Bearer', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await json(res)).toMatchObject({ ok: false, error: 'invalid_auth' });
  });

  it('answers an expired token 403 token_expired (seed 001)', async () => {
    const res = await get(`Bearer ${await mint(issuer, { iat: Math.floor(Date.now() / 1000) - 7200, expiresIn: 3600 })}`);
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ ok: false, error: 'token_expired' });
  });

  it.each([
    ['foreign audience', { claims: { aud: 'https://other.test/api' } }],
    ['wrong issuer', { claims: { iss: 'https://evil.test' } }],
    ['plain JWT type', { typ: 'JWT' }],
    ['no organization', { claims: { org: undefined } }],
    ['not yet valid', { claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }],
  ])('refuses a token with a %s: 401', async (_name, options) => {
    const res = await get(`Bearer ${await mint(issuer, options)}`);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ ok: false, error: 'invalid_auth' });
  });

  it('refuses a tampered signature and garbage', async () => {
    const token = await mint(issuer);
    const [h, p] = token.split('.');
    const forged = `${h}.${base64url.encode(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scope: 'admin' }))}.${token.split('.')[2]}`;
    expect((await get(`Bearer ${forged}`)).status).toBe(401);
    expect((await get('Bearer not-a-jwt')).status).toBe(401);
    expect((await get('Digest abc')).status).toBe(401);
  });

  describe('JWT attacks never cause an outbound fetch', () => {
    async function refusedWithoutFetch(token: string): Promise<void> {
      await get(`Bearer ${await mint(issuer)}`); // the set is loaded
      const jwksBefore = issuer.jwksHits;
      const attackerBefore = attackerHits;
      const res = await get(`Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(await json(res)).toMatchObject({ ok: false, error: 'invalid_auth' });
      expect(issuer.jwksHits).toBe(jwksBefore);
      expect(attackerHits).toBe(attackerBefore);
    }
    const claims = () => ({ iss: 'https://gatehouse.test', aud: 'https://gatehouse.test/api', sub: 'user-1', org: 'org-1', scope: 'admin', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 });

    it('alg: none', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'es-1' }));
      await refusedWithoutFetch(`${header}.${base64url.encode(JSON.stringify(claims()))}.`);
    });

    it('HS256 signed with the published RSA key as the HMAC secret (algorithm confusion)', async () => {
      const secret = new TextEncoder().encode(JSON.stringify(issuer.keys[1]));
      await refusedWithoutFetch(await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'rs-1' }).sign(secret));
    });

    it('an embedded jwk header with the attacker key', async () => {
      const evil = await generateKeyPair('ES256', { extractable: true });
      await refusedWithoutFetch(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: await exportJWK(evil.publicKey) }).sign(evil.privateKey));
    });

    it.each(['jku', 'x5u'])('a %s header pointing at the attacker', async (name) => {
      const evil = await generateKeyPair('ES256');
      await refusedWithoutFetch(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'es-1', [name]: `${attackerUrl}/keys` }).sign(evil.privateKey));
    });
  });

  it('refetches the JWKS for unknown kids at most once per cooldown', async () => {
    await get(`Bearer ${await mint(issuer)}`);
    const before = issuer.jwksHits;
    const evil = await generateKeyPair('ES256');
    for (let i = 0; i < 10; i++) {
      const res = await get(`Bearer ${await mint(issuer, { key: evil.privateKey, kid: `forged-${i}` })}`);
      expect(res.status).toBe(401);
    }
    expect(issuer.jwksHits - before).toBeLessThanOrEqual(1);
  });

  it('refuses credentials in the query string', async () => {
    const token = await mint(issuer);
    const res = await fetch(`${gateway.url}/things?access_token=${token}`);
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: 'invalid_request' });
    expect(api.last().url).not.toContain('access_token');
  });

  it('accepts an API key as HTTP Basic username and as Bearer', async () => {
    const key = apiKeys.add({ sub: 'user-2', org: 'org-1', role: 'bot', scopes: ['bot'], key_id: 'key-1' });
    const basic = await get(`Basic ${Buffer.from(`${key}:`).toString('base64')}`, '/things/7');
    expect(basic.status).toBe(200);
    const bearer = await get(`Bearer ${key}`, '/things/7');
    expect(bearer.status).toBe(200);
    const identity = await verifyIdentity(api.last().headers[IDENTITY_HEADER] as string, gateway.runtime.secrets.derive('identity-assertion'), { method: 'GET', path: '/things/7', query: '', bodySha256: EMPTY_BODY_SHA256 });
    expect(identity).toMatchObject({ sub: 'user-2', kind: 'api_key', key_id: 'key-1', role: 'bot' });
  });

  it('refuses a key with a bad checksum without looking it up, and an unknown key after one', async () => {
    const key = apiKeys.add({ sub: 'user-2', org: 'org-1', role: 'bot', scopes: ['bot'], key_id: 'key-2' });
    const broken = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    const before = apiKeys.lookups;
    const res = await get(`Bearer ${broken}`);
    expect(res.status).toBe(401);
    expect(apiKeys.lookups).toBe(before);
    const withPassword = await get(`Basic ${Buffer.from(`${key}:secret`).toString('base64')}`);
    expect(withPassword.status).toBe(401);
    const unknown = await get(`Bearer ${memoryApiKeys().add({ sub: 'x', org: 'o', role: 'admin', scopes: [], key_id: 'k' })}`);
    expect(unknown.status).toBe(401);
    expect(apiKeys.lookups).toBe(before + 1);
  });
});

describe('gateway JWKS and token cache over time', () => {
  it('serves the last good JWKS while the auth server is down, and expires cached tokens', async () => {
    const issuer = await startIssuer();
    const api = await startUpstream();
    const clock = fixedClock(Date.now());
    const gateway = await startGateway({
      issuer, api,
      runtimeOptions: { clock, config: { GATEWAY_JWKS_MAX_AGE_MS: 1_000, GATEWAY_JWKS_REFRESH_COOLDOWN_MS: 1_000, GATEWAY_CLOCK_TOLERANCE_S: 0 } },
    });
    try {
      const first = await mint(issuer, { iat: Math.floor(clock.now() / 1000), expiresIn: 60 });
      expect((await fetch(`${gateway.url}/things`, { headers: { authorization: `Bearer ${first}` } })).status).toBe(200);
      issuer.setJwksDown(true);
      clock.advance(5_000);
      const second = await mint(issuer, { iat: Math.floor(clock.now() / 1000), expiresIn: 60 });
      expect((await fetch(`${gateway.url}/things`, { headers: { authorization: `Bearer ${second}` } })).status).toBe(200);
      clock.advance(120_000);
      const expired = await fetch(`${gateway.url}/things`, { headers: { authorization: `Bearer ${first}` } });
      expect(expired.status).toBe(403);
      expect(await json(expired)).toMatchObject({ error: 'token_expired' });
    } finally {
      await gateway.close();
      await api.close();
      await issuer.close();
    }
  });
});

describe('a gateway that has never loaded the JWKS', () => {
  it('answers 503 while the auth server cannot give the keys, and serves the next request once it can, whatever the cooldown', async () => {
    const issuer = await startIssuer();
    const api = await startUpstream();
    // The start-up fetch fails (on a busy machine it may simply time out).
    issuer.setJwksDown(true);
    const clock = fixedClock(Date.now());
    const gateway = await startGateway({ issuer, api, runtimeOptions: { clock, config: { GATEWAY_JWKS_REFRESH_COOLDOWN_MS: 600_000 } } });
    try {
      const token = `Bearer ${await mint(issuer, { iat: Math.floor(clock.now() / 1000) })}`;
      const down = await fetch(`${gateway.url}/things`, { headers: { authorization: token } });
      expect([down.status, down.headers.get('retry-after'), await json(down)]).toMatchObject([503, '1', {
        ok: false, error: 'service_unavailable', message: 'The gateway could not load the keys that sign access tokens; try again shortly.',
      }]);
      issuer.setJwksDown(false);
      // The same instant, well within the cooldown: a valid token is not refused as invalid.
      expect((await fetch(`${gateway.url}/things`, { headers: { authorization: token } })).status).toBe(200);
    } finally {
      await gateway.close();
      await api.close();
      await issuer.close();
    }
  });
});

describe('ambiguous Authorization headers', () => {
  it('refuses two Authorization headers and a lowercase scheme', async () => {
    const { rawRequest } = await import('./harness.js');
    const issuer = await startIssuer();
    const api = await startUpstream();
    const gateway = await startGateway({ issuer, api });
    try {
      const token = await mint(issuer);
      const twice = await rawRequest(gateway.url, `GET /things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
      expect(twice.status).toBe(401);
      expect(twice.text).toContain('"error":"invalid_auth"');
      const lower = await fetch(`${gateway.url}/things`, { headers: { authorization: `bearer ${token}` } });
      expect(lower.status).toBe(401);
      expect((await fetch(`${gateway.url}/things`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await gateway.close();
      await api.close();
      await issuer.close();
    }
  });
});
