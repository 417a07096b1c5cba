import { createHmac, createSecretKey, hash, randomUUID } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from './roles.js';

/**
 * Who is calling, as the gateway established it. This is the only identity the resource API
 * trusts: it arrives as a short-lived HS256 assertion in `x-gatehouse-identity`, signed with a key
 * derived from the root secret (purpose `identity-assertion`), bound to the request's method,
 * path, query string and body, and used once (issue 17, finding 8): it cannot be replayed
 * against another operation, another query or body, or a second time.
 */
export interface Identity {
  /** user id (the service client id for client-credentials tokens, the visitor id for visitors) */
  sub: string;
  /** organization the token or key is for */
  org: string;
  /** effective role scope after every cap (client, key, user's current role) */
  role: Role;
  /** every scope the token carried (role scope plus OIDC scopes) */
  scopes: string[];
  /**
   * `visitor`: a website visitor's session token (DESIGN.md "Widgets, visitors and visitor
   * sessions"), role `guest`, reaching only operations that declare `visitor` and its own rows.
   */
  kind: 'user' | 'api_key' | 'client' | 'visitor';
  client_id?: string;
  key_id?: string;
  /** the access token's own `jti` (not the assertion's) */
  jti?: string;
}

/** What an assertion is bound to: exactly the request the gateway forwards. */
export interface AssertedRequest {
  method: string;
  /** The path as forwarded (still percent-encoded), no query. */
  path: string;
  /** The raw query string without `?`, '' for none. */
  query: string;
  /** `bodySha256(body)` of the bytes forwarded; EMPTY_BODY_SHA256 for none. */
  bodySha256: string;
}

export const IDENTITY_HEADER = 'x-gatehouse-identity';
const issuer = 'gatehouse-gateway';
const audience = 'gatehouse-api';
const typ = 'gatehouse-identity+jwt';
/** Seconds an assertion is valid after it is made; the API accepts it up to `tolerance` later. */
export const ASSERTION_LIFETIME_SECONDS = 30;
const clockToleranceSeconds = 5;
/** How long the API must remember a used assertion id: nothing older is accepted anyway. */
export const ASSERTION_REPLAY_WINDOW_MS = (ASSERTION_LIFETIME_SECONDS + 2 * clockToleranceSeconds) * 1000;
const encodedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ })).toString('base64url');

/** SHA-256 of a request body, base64url: what an assertion's `body_sha256` holds. */
export function bodySha256(body: Uint8Array | string): string {
  return hash('sha256', body, 'base64url');
}
export const EMPTY_BODY_SHA256 = bodySha256('');

export type IdentitySigner = (identity: Identity, request: AssertedRequest) => string;

/**
 * Signs assertions with node's HMAC directly (the gateway signs one per request; jose would
 * re-import the key into WebCrypto on every call, which cost more than the rest of the pipeline).
 * The key is made a KeyObject once: given raw bytes, node would copy them into a new key per
 * HMAC. Every assertion gets a fresh `jti`, so none is ever sent twice.
 *
 * Most of an assertion is the same for every request of one caller: the header and the
 * identity's claims. That part is serialised and base64url-encoded once per identity object
 * (the gateway keeps one per cached credential, never changed once made), its JSON padded with
 * spaces to a multiple of three bytes so that its base64url text is a prefix of every
 * assertion's; per request only the request's claims are encoded. Keeping the HMAC's inner
 * state after the prefix (`Hash.copy`) was measured too: two copies cost more than they saved.
 */
export function createIdentitySigner(key: Uint8Array, now: () => number = Date.now, newId: () => string = randomUUID): IdentitySigner {
  const secret = createSecretKey(key);
  const prefixes = new WeakMap<Identity, string>();

  function prefixOf(identity: Identity): string {
    let cached = prefixes.get(identity);
    if (cached === undefined) {
      const { jti, ...rest } = identity;
      // Opens the JSON object; the request's claims close it.
      const open = JSON.stringify({ ...rest, ...(jti !== undefined ? { token_jti: jti } : {}), iss: issuer, aud: audience }).slice(0, -1);
      const padded = open + ' '.repeat((3 - (Buffer.byteLength(open) % 3)) % 3);
      cached = `${encodedHeader}.${Buffer.from(padded).toString('base64url')}`;
      prefixes.set(identity, cached);
    }
    return cached;
  }

  return (identity, request) => {
    const iat = Math.floor(now() / 1000);
    const prefix = prefixOf(identity);
    const claims = `,"htm":${JSON.stringify(request.method)},"htu":${JSON.stringify(request.path)},"htq":${JSON.stringify(request.query)},"body_sha256":"${request.bodySha256}","jti":"${newId()}","iat":${iat},"exp":${iat + ASSERTION_LIFETIME_SECONDS}}`;
    const tail = Buffer.from(claims).toString('base64url');
    return `${prefix}${tail}.${createHmac('sha256', secret).update(prefix).update(tail).digest('base64url')}`;
  };
}

export async function signIdentity(identity: Identity, key: Uint8Array, request: AssertedRequest): Promise<string> {
  return createIdentitySigner(key)(identity, request);
}

export class InvalidAssertionError extends Error {
  override readonly name = 'InvalidAssertionError';
}

/** A verified assertion, before its body binding and its single use are checked. */
export interface VerifiedAssertion {
  identity: Identity;
  /** The assertion's own `jti`: refused a second time (api/pipeline/assertion-replay.ts). */
  id: string;
  /** The body digest the request's body must have. */
  bodySha256: string;
}

/**
 * Verifies signature, lifetime, method, path and query; throws InvalidAssertionError otherwise.
 * The resource API checks the body digest once it has read the body, and the `jti` against
 * the ones it has seen.
 */
export async function verifyAssertion(token: string, key: Uint8Array, request: Omit<AssertedRequest, 'bodySha256'>): Promise<VerifiedAssertion> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer,
      audience,
      typ,
      maxTokenAge: `${ASSERTION_LIFETIME_SECONDS + clockToleranceSeconds}s`,
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['jti', 'iat', 'exp'],
    });
    if (payload.htm !== request.method || payload.htu !== request.path || payload.htq !== request.query) {
      throw new InvalidAssertionError('the identity assertion was made for another request');
    }
    if (typeof payload.body_sha256 !== 'string' || typeof payload.jti !== 'string') {
      throw new InvalidAssertionError('the identity assertion is malformed');
    }
    const { sub, org, role, scopes, kind, client_id, key_id, token_jti } = payload as unknown as Identity & { token_jti?: string };
    const identity: Identity = {
      sub, org, role, scopes, kind,
      ...(client_id !== undefined ? { client_id } : {}),
      ...(key_id !== undefined ? { key_id } : {}),
      ...(token_jti !== undefined ? { jti: token_jti } : {}),
    };
    return { identity, id: payload.jti, bodySha256: payload.body_sha256 };
  } catch (err) {
    if (err instanceof InvalidAssertionError) throw err;
    if (err instanceof joseErrors.JOSEError) throw new InvalidAssertionError(`invalid identity assertion: ${err.code}`);
    throw err;
  }
}

/** Verifies an assertion for this exact request, body included (tests; the API checks in steps). */
export async function verifyIdentity(token: string, key: Uint8Array, request: AssertedRequest): Promise<Identity> {
  const verified = await verifyAssertion(token, key, request);
  if (verified.bodySha256 !== request.bodySha256) throw new InvalidAssertionError('the identity assertion was made for another body');
  return verified.identity;
}
