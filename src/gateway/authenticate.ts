import { isWellFormedApiKey } from '../contract/api-key.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { AuthFailure, invalidToken } from './auth-error.js';
import type { Caller } from './caller.js';
import type { TokenVerifier } from './verify-token.js';

/**
 * Reads the credential of an API request (DESIGN.md "Identity"): a JWT access token as Bearer,
 * or an API key as Bearer or as HTTP Basic username with an empty password (seed 000). A key
 * with a bad checksum is refused without a lookup. Credentials in the query string are refused:
 * they end up in logs, histories and Referer headers (RFC 6750 §5.3).
 */
export interface Authenticator {
  /** The caller, or undefined when the request carries no credential at all. */
  (authorization: string | undefined, query: string, rawHeaders?: readonly string[]): Promise<Caller | undefined>;
  /** The hot path: a credential seen before resolves without a promise; undefined means "use the full path". */
  cached(authorization: string | undefined, query: string, rawHeaders?: readonly string[]): Caller | undefined;
}

const queryCredential = /(?:^|&)(?:access_token|api_key|apikey)=/i;

export function createAuthenticator(deps: { verifyToken: TokenVerifier; apiKeys: ApiKeyCache }): Authenticator {
  async function byApiKey(key: string): Promise<Caller> {
    if (!isWellFormedApiKey(key)) throw invalidToken('api_key_malformed', 'The API key is malformed.');
    return deps.apiKeys.resolve(key);
  }

  async function authenticate(authorization: string | undefined, query: string, rawHeaders: readonly string[] = []): Promise<Caller | undefined> {
    if (query !== '' && queryCredential.test(query)) {
      throw new AuthFailure('token_in_query', 'invalid_request', 'Credentials are accepted only in the Authorization header, never in the query string.');
    }
    // node keeps only the first Authorization header; two credentials are ambiguous, not "the first".
    if (countAuthorization(rawHeaders) > 1) throw invalidToken('malformed', 'Send one Authorization header.');
    if (authorization === undefined || authorization === '') return undefined;
    const space = authorization.indexOf(' ');
    // Schemes are matched exactly as the API documents them (`Bearer`, `Basic`).
    const scheme = space === -1 ? authorization : authorization.slice(0, space);
    const value = space === -1 ? '' : authorization.slice(space + 1).trim();
    if (value === '') throw invalidToken('malformed', 'The Authorization header holds no credential.');
    if (scheme === 'Bearer') {
      return value.startsWith('ghk_') ? byApiKey(value) : deps.verifyToken(value);
    }
    if (scheme === 'Basic') {
      const key = basicKey(value);
      if (key === undefined) throw invalidToken('api_key_malformed', 'HTTP Basic carries an API key as the username and an empty password.');
      return byApiKey(key);
    }
    throw invalidToken('malformed', 'The Authorization scheme is not supported; use Bearer or Basic.');
  }

  return Object.assign(authenticate, {
    cached(authorization: string | undefined, query: string, rawHeaders: readonly string[] = []): Caller | undefined {
      if (query !== '' || authorization === undefined || countAuthorization(rawHeaders) > 1) return undefined;
      if (authorization.startsWith('Bearer ')) {
        const value = authorization.slice(7).trim();
        return value.startsWith('ghk_') ? deps.apiKeys.peek(value) : deps.verifyToken.cached(value);
      }
      if (authorization.startsWith('Basic ')) {
        const key = basicKey(authorization.slice(6).trim());
        return key === undefined ? undefined : deps.apiKeys.peek(key);
      }
      return undefined;
    },
  });
}

/** Seed 000: the key is the Basic username and the password is empty (`KEY:`); else undefined. */
function basicKey(encoded: string): string | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon !== -1 && colon === decoded.length - 1 ? decoded.slice(0, colon) : undefined;
}

function countAuthorization(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.length === 13 && rawHeaders[i]!.toLowerCase() === 'authorization') count += 1;
  return count;
}
