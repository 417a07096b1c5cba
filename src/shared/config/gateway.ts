import { z } from 'zod';
import { flag, list, nonNegativeInt, positiveInt } from './fields.js';

/**
 * Settings of the gateway component. Keys are environment-variable names; every field carries its
 * default and a one-line description (README's configuration table is generated from these).
 */
export const gatewayFields = {
  GATEWAY_JWT_ALGORITHMS: list(['ES256', 'RS256'])
    .pipe(z.array(z.enum(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'])).min(1))
    .describe('Signature algorithms an access token may use (asymmetric only; `none` and HS* are never accepted).'),
  GATEWAY_CLOCK_TOLERANCE_S: nonNegativeInt(5).pipe(z.number().max(300))
    .describe('Leeway in seconds for `exp`/`nbf`/`iat` of access tokens.'),
  GATEWAY_EXPIRED_TOKEN_STATUS: z.coerce.number().int().refine((n) => n === 401 || n === 403, 'must be 401 or 403').default(403)
    .describe('HTTP status of an expired access token (`token_expired`); the first-party token API promises 403.'),
  GATEWAY_JWKS_REFRESH_COOLDOWN_MS: positiveInt(30_000)
    .describe('An unknown `kid` refetches the JWKS at most once per this interval.'),
  GATEWAY_JWKS_MAX_AGE_MS: positiveInt(600_000)
    .describe('Age after which the JWKS is refetched in the background (the old set is served meanwhile and while the auth server is unreachable).'),
  GATEWAY_JWKS_TIMEOUT_MS: positiveInt(2_000).describe('Bound on one JWKS fetch.'),
  GATEWAY_TOKEN_CACHE_SIZE: nonNegativeInt(10_000)
    .describe('Verified access tokens kept (by hash, until expiry) so a repeated token costs no signature check; 0 disables.'),
  GATEWAY_CONNECT_TIMEOUT_MS: positiveInt(2_000).describe('Upstream connect timeout (→ 504 `upstream_timeout`).'),
  GATEWAY_RESPONSE_TIMEOUT_MS: positiveInt(30_000)
    .describe('Time the upstream has to send response headers, and the longest pause inside a response body (→ 504 `upstream_timeout`).'),
  GATEWAY_UPSTREAM_CONNECTIONS: positiveInt(128).describe('Keep-alive connections per upstream per process.'),
  GATEWAY_MAX_IN_FLIGHT_PER_PRINCIPAL: positiveInt(64)
    .describe('API requests one principal (API key, or user + client) may have in flight at once per gateway process; more → 429 `rate_limited`, so one client with slow requests cannot hold every upstream connection. Live streams are not counted.'),
  GATEWAY_MAX_PATH_LENGTH: positiveInt(2_048).describe('Longest request target (path and query) accepted (→ 400).'),
  GATEWAY_AUTH_BODY_LIMIT: positiveInt(65_536).describe('Largest request body sent to the auth server, in bytes (→ 413).'),
  GATEWAY_TRUSTED_PROXIES: list([])
    .describe('IP addresses of reverse proxies in front of the gateway; only from these is `X-Forwarded-For`/`-Proto`/`-Host` believed.'),
  GATEWAY_CORS_ORIGINS: list([])
    .describe('Browser origins allowed to call the API in addition to the registered SPA clients (e.g. `https://app.example.com`).'),
  GATEWAY_REVOCATION_RESYNC_MS: positiveInt(30_000)
    .describe('The revocation list is also reloaded from the database this often, in case a bus message was lost without a reconnect.'),
  GATEWAY_ACCESS_LOG: flag(true).describe('Write one log line per request (no credentials, no query string).'),
  GATEWAY_PROCESS_COUNT: positiveInt(1)
    .describe('Gateway processes sharing the rate limits (all hosts, all workers); while Redis is down each process enforces limit ÷ this. `--workers N` sets it when unset.'),
  RATE_LIMIT_LEASE_PERCENT: nonNegativeInt(5).pipe(z.number().max(50))
    .describe('With Redis, each gateway process reserves rate-limit points in blocks of this percentage of the limit (at least 1) and spends them without a Redis call; a caller may be refused up to one block per process early, never admitted past the limit. 0: one Redis call per request.'),
  RATE_LIMIT_WINDOW_S: positiveInt(60).describe('Window of the API rate limits, in seconds.'),
  RATE_LIMIT_GUEST: positiveInt(120).describe('Points per window for a principal (API key, or user + client) holding `guest`.'),
  RATE_LIMIT_AGENT: positiveInt(600).describe('Points per window for a principal holding `agent`.'),
  RATE_LIMIT_BOT: positiveInt(1_200).describe('Points per window for a principal holding `bot`.'),
  RATE_LIMIT_ADMIN: positiveInt(1_200).describe('Points per window for a principal holding `admin`.'),
  RATE_LIMIT_KEYS: list([])
    .pipe(z.array(z.string().regex(/^[^=\s]+=[1-9][0-9]*$/, 'must be `<key id>=<points>`')))
    .describe('Per-API-key limits overriding the role limit, as `<key id>=<points>` entries.'),
  RATE_LIMIT_ORGANIZATION: positiveInt(6_000).describe('Points per window for all principals of one organization together.'),
  RATE_LIMIT_ANONYMOUS: positiveInt(300).describe('Requests per window per client IP on public routes and the auth server.'),
  RATE_LIMIT_TOKEN_ENDPOINT: positiveInt(60)
    .describe('Requests per window per client IP to `/oauth2/token` and `/v2/auth/token`.'),
  RATE_LIMIT_LOGIN: positiveInt(20).describe('Login form submissions (`POST /interaction/…`) per window per client IP.'),
} as const;
