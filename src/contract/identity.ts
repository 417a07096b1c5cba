import { createHmac } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from './roles.js';

/**
 * Who is calling, as the gateway established it. This is the only identity the resource API
 * trusts: it arrives as a short-lived HS256 assertion in `x-gatehouse-identity`, signed with a key
 * derived from the root secret (purpose `identity-assertion`), bound to the request's method and
 * path so it cannot be replayed against another operation.
 */
export interface Identity {
  /** user id (or the service client id for client-credentials tokens) */
  sub: string;
  /** organization the token or key is for */
  org: string;
  /** effective role scope after every cap (client, key, user's current role) */
  role: Role;
  /** every scope the token carried (role scope plus OIDC scopes) */
  scopes: string[];
  kind: 'user' | 'api_key' | 'client';
  client_id?: string;
  key_id?: string;
  jti?: string;
}

export const IDENTITY_HEADER = 'x-gatehouse-identity';
const issuer = 'gatehouse-gateway';
const audience = 'gatehouse-api';
const typ = 'gatehouse-identity+jwt';
const lifetimeSeconds = 30;
const encodedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ })).toString('base64url');

export type IdentitySigner = (identity: Identity, request: { method: string; path: string }) => string;

/**
 * Signs assertions with node's HMAC directly (the gateway signs one per request; jose would
 * re-import the key into WebCrypto on every call, which cost more than the rest of the pipeline).
 * The token is a plain HS256 JWT that `verifyIdentity` (jose) checks.
 */
export function createIdentitySigner(key: Uint8Array, now: () => number = Date.now): IdentitySigner {
  return (identity, request) => {
    const iat = Math.floor(now() / 1000);
    const claims = { ...identity, htm: request.method, htu: request.path, iss: issuer, aud: audience, iat, exp: iat + lifetimeSeconds };
    const input = `${encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
}

export async function signIdentity(identity: Identity, key: Uint8Array, request: { method: string; path: string }): Promise<string> {
  return createIdentitySigner(key)(identity, request);
}

export class InvalidAssertionError extends Error {
  override readonly name = 'InvalidAssertionError';
}

/** Verifies an assertion for this method and path; throws InvalidAssertionError otherwise. */
export async function verifyIdentity(token: string, key: Uint8Array, request: { method: string; path: string }): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer,
      audience,
      typ,
      maxTokenAge: `${lifetimeSeconds + 5}s`,
      clockTolerance: 5,
    });
    if (payload.htm !== request.method || payload.htu !== request.path) {
      throw new InvalidAssertionError('the identity assertion was made for another request');
    }
    const { sub, org, role, scopes, kind, client_id, key_id, jti } = payload as unknown as Identity & { jti?: string };
    return {
      sub, org, role, scopes, kind,
      ...(client_id !== undefined ? { client_id } : {}),
      ...(key_id !== undefined ? { key_id } : {}),
      ...(jti !== undefined ? { jti } : {}),
    };
  } catch (err) {
    if (err instanceof InvalidAssertionError) throw err;
    if (err instanceof joseErrors.JOSEError) throw new InvalidAssertionError(`invalid identity assertion: ${err.code}`);
    throw err;
  }
}
