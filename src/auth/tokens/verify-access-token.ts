import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock.js';
import type { Config } from '../../shared/config/index.js';
import { listLiveKeys } from '../keys/signing-key-rows.js';
import { isRevoked } from './revocation-rows.js';
import { SIGNING_ALGS } from '../../contract/signing.js';

export interface AccessTokenClaims extends JWTPayload {
  client_id?: string;
  scope?: string;
  org?: string;
  gid?: string;
  /** A visitor token's public visitor token (contract/visitor-sessions.ts). */
  visitor?: string;
}

/** Looks like one of our JWT access tokens (opaque tokens from the provider have no dots). */
export function looksLikeJwt(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    return decodeProtectedHeader(token).typ === 'at+jwt';
  } catch {
    return false;
  }
}

/**
 * RFC 7662 needs "is this token active?" for our JWT access tokens, which oidc-provider does not
 * store: signature against our published keys, issuer, audience, type, expiry, and no revocation
 * of its `jti`, grant (`gid`) or user in force. Returns the claims, or undefined when inactive.
 */
export function createAccessTokenVerifier(deps: { knex: Knex; clock: Clock; config: Config; liveKeys?: () => Promise<ReturnType<typeof createLocalJWKSet>> }) {
  const liveKeys = deps.liveKeys ?? (async () => createLocalJWKSet({ keys: (await listLiveKeys(deps.knex, new Date(deps.clock.now()))).map((k) => k.public_jwk as JWK) }));
  /** `skipRevocation`: for a caller that asks about revocation in a statement of its own (revokedCondition). */
  return async function verifyAccessToken(token: string, options: { ignoreExpiry?: boolean; skipRevocation?: boolean } = {}): Promise<AccessTokenClaims | undefined> {
    const now = new Date(deps.clock.now());
    const keys = await liveKeys();
    try {
      const { payload } = await jwtVerify<AccessTokenClaims>(token, keys, {
        algorithms: [...SIGNING_ALGS],
        issuer: deps.config.PUBLIC_URL,
        audience: deps.config.API_AUDIENCE,
        typ: 'at+jwt',
        currentDate: options.ignoreExpiry ? new Date(0) : now,
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      });
      if (!options.skipRevocation && (await isRevoked(deps.knex, payload, now))) return undefined;
      return payload;
    } catch {
      return undefined;
    }
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
