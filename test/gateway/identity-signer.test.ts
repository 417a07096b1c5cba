import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIdentitySigner, EMPTY_BODY_SHA256, verifyIdentity, type Identity } from '../../src/contract/identity.js';

// The signer keeps the identity's part of an assertion encoded once per identity
// (padded to whole base64 groups) and encodes only the request's claims: every assertion must still
// be a plain HS256 JWT, whatever the length of the identity's claims and of the key.

const request = { method: 'GET', path: '/v2/users/me', query: 'a=1', bodySha256: EMPTY_BODY_SHA256 };

function identity(sub: string): Identity {
  return { sub, org: 'org_1', role: 'agent', scopes: ['agent'], kind: 'user', jti: 'tok_1' };
}

describe('identity assertions', () => {
  // Subjects of three lengths in a row: the identity's JSON ends on each residue mod 3.
  const identities = ['u', 'uu', 'uuu', 'é', 'uéu'].map(identity);

  for (const keyLength of [32, 64, 100]) {
    it(`are HS256 JWTs a verifier accepts, key of ${keyLength} bytes`, async () => {
      const key = randomBytes(keyLength);
      const sign = createIdentitySigner(key);
      for (const who of identities) {
        for (let i = 0; i < 2; i++) {
          const assertion = sign(who, request);
          const [header, payload, signature] = assertion.split('.');
          expect(createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
          const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
          expect(claims).toMatchObject({ sub: who.sub, token_jti: 'tok_1', htm: 'GET', htu: '/v2/users/me', htq: 'a=1' });
          await expect(verifyIdentity(assertion, key, request)).resolves.toEqual(who);
        }
      }
    });
  }

  it('are refused with another key, and for another request', async () => {
    const key = randomBytes(32);
    const assertion = createIdentitySigner(key)(identities[0]!, request);
    await expect(verifyIdentity(assertion, randomBytes(32), request)).rejects.toThrow();
    await expect(verifyIdentity(assertion, key, { ...request, path: '/v2/users' })).rejects.toThrow();
  });

  it('never repeat, even for one identity and request', () => {
    const sign = createIdentitySigner(randomBytes(32));
    const seen = new Set(Array.from({ length: 50 }, () => sign(identities[1]!, request)));
    expect(seen.size).toBe(50);
  });
});
