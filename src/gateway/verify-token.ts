import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { roleFromScope } from '../contract/roles.js';
import { VISITOR_CLAIM, VISITOR_SCOPE } from '../contract/visitor-sessions.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/digest.js';
import { AuthFailure, invalidToken } from './auth-error.js';
import type { Caller } from './caller.js';
import type { JwksCache } from './jwks.js';
import { Lru } from './lru.js';

/**
 * Verifies a JWT access token (RFC 9068) locally: pinned asymmetric algorithms, `typ: at+jwt`,
 * issuer, audience, `exp`/`nbf` with a small leeway. Headers that ask the verifier to fetch or
 * trust a key from the token itself (`jwk`, `jku`, `x5u`, `x5c`) are refused before any lookup.
 * A verified token is cached by its SHA-256 until it expires, so a token seen before costs a
 * hash and a map lookup, not a signature check. Keyed by the hash, not the token: the process
 * keeps no usable bearer token after its request (a heap dump or a memory disclosure yields
 * none); the hash costs about a microsecond.
 */
export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  algorithms: readonly string[];
  clockToleranceS: number;
  expiredStatus: number;
  cacheSize: number;
  jwks: JwksCache;
  clock: Clock;
}

export interface TokenVerifier {
  /** Full verification (cache first). */
  (token: string): Promise<Caller>;
  /** The cached caller for a token seen before, without a promise; undefined on a miss. Throws when it expired. */
  cached(token: string): Caller | undefined;
}

const keyBearingHeaders = ['jwk', 'jku', 'x5u', 'x5c'] as const;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const cache = new Lru<string, Caller>(options.cacheSize);

  function expired(): AuthFailure {
    return new AuthFailure('expired', 'token_expired', 'The access token has expired; request a new one with the refresh token.', {
      status: options.expiredStatus,
      headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' },
    });
  }

  function fromCache(hash: string): Caller | undefined {
    const cached = cache.get(hash);
    if (cached && cached.expiresAt! + options.clockToleranceS * 1000 <= options.clock.now()) {
      cache.delete(hash);
      throw expired();
    }
    return cached;
  }

  async function verifyToken(token: string): Promise<Caller> {
    const hash = sha256(token);
    const cached = fromCache(hash);
    if (cached) return cached;

    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw invalidToken('malformed', 'The access token is malformed.');
    }
    for (const name of keyBearingHeaders) {
      if (name in header) throw invalidToken('forbidden_header', `Access tokens with a "${name}" header are refused.`);
    }
    if (typeof header.alg !== 'string' || !options.algorithms.includes(header.alg)) {
      throw invalidToken('algorithm', 'The access token is signed with an algorithm that is not accepted.');
    }

    let payload: JWTPayload;
    try {
      const key = await options.jwks.keyFor(header);
      if (!key) throw invalidToken('unknown_key', 'The access token is signed with an unknown key.');
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [...options.algorithms],
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        clockTolerance: options.clockToleranceS,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: new Date(options.clock.now()),
      }));
    } catch (err) {
      throw translate(err, expired);
    }

    const caller = toCaller(payload);
    cache.set(hash, caller);
    return caller;
  }
  return Object.assign(verifyToken, { cached: (token: string) => fromCache(sha256(token)) });
}

function translate(err: unknown, expired: () => AuthFailure): unknown {
  if (err instanceof AuthFailure) return err;
  if (err instanceof joseErrors.JWTExpired) return expired();
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return invalidToken('signature', 'The access token signature is invalid.');
  if (err instanceof joseErrors.JWTClaimValidationFailed) return invalidToken('claims', `The access token is not valid here (${err.claim}).`);
  if (err instanceof joseErrors.JOSEError) return invalidToken('malformed', 'The access token is malformed.');
  return err;
}

function toCaller(payload: JWTPayload): Caller {
  const str = (name: string): string | undefined => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  // jose requires `sub` to be present but takes any JSON value: a subject is a non-empty string.
  const sub = str('sub');
  if (sub === undefined || sub === '') throw invalidToken('claims', 'The access token names no subject.');
  const org = str('org');
  const scope = str('scope') ?? '';
  if (org === undefined || org === '') throw invalidToken('claims', 'The access token names no organization.');
  const clientId = str('client_id');
  const jti = str('jti');
  // A visitor session's token (contract/visitor-sessions.ts): a principal of its own kind, never
  // a user, held to `guest` whatever else it carried.
  const visitor = payload[VISITOR_CLAIM] !== undefined;
  if (visitor && (typeof payload[VISITOR_CLAIM] !== 'string' || scope !== VISITOR_SCOPE)) throw invalidToken('claims', 'The visitor token is malformed.');
  return {
    identity: {
      sub,
      org,
      role: visitor ? VISITOR_SCOPE : roleFromScope(scope),
      scopes: scope.split(' ').filter(Boolean),
      // Client-credentials tokens name the client as their subject (RFC 9068 §2.2).
      kind: visitor ? 'visitor' : clientId !== undefined && clientId === sub ? 'client' : 'user',
      ...(clientId !== undefined ? { client_id: clientId } : {}),
      ...(jti !== undefined ? { jti } : {}),
    },
    grantId: str('gid'),
    issuedAt: payload.iat! * 1000,
    expiresAt: payload.exp! * 1000,
  };
}
