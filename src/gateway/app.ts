import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiKeyResolver } from '../contract/api-key.js';
import { OAUTH_ROUTES } from '../contract/auth-routes.js';
import { createIdentitySigner } from '../contract/identity.js';
import { createRouteTable, type Operation } from '../contract/index.js';
import type { Component, Runtime } from '../shared/runtime.js';
import { createApiKeyCache } from './api-key-cache.js';
import { createApiKeyResolver } from './api-keys.js';
import { createAuthenticator } from './authenticate.js';
import { createBuiltinRoutes } from './builtin-routes.js';
import { createClientAddressReader } from './client-address.js';
import { createCors, type OriginSource } from './cors.js';
import { createJwksCache } from './jwks.js';
import { createRateLimits } from './limit-rate.js';
import { createGatewayMetrics, createRequestRecorder } from './metrics.js';
import { createRegisteredOrigins } from './registered-origins.js';
import { createRequestHandler } from './request-handler.js';
import { createRevocationList } from './revocation-list.js';
import { createLiveStreams } from './live-streams.js';
import { isRevoked } from './check-revocation.js';
import { createAssertionSigner } from './sign-assertion.js';
import { createUpstreams } from './upstreams.js';
import { createTokenVerifier } from './verify-token.js';
import { createWebSocketProxy } from './websocket.js';

export interface GatewayUpstreams {
  auth: string;
  api: string;
  /** The auth server's listener when it runs in this process: its requests are handed to it (hand-over.ts). */
  authListener?: http.RequestListener | undefined;
}

export interface GatewayOptions {
  /** The contract table; tests pass their own. */
  operations: readonly Operation[];
  /** Looks an API key up (the gateway caches the answers); default: the database (api-keys.ts). */
  apiKeys?: ApiKeyResolver | undefined;
  /** Browser origins allowed to call the API; default: those registered on OAuth clients. GATEWAY_CORS_ORIGINS are added. */
  corsOrigins?: OriginSource | undefined;
}

/**
 * The only public listener (DESIGN.md "Components"): this file wires the gateway's collaborators;
 * the request path itself is request-handler.ts, the kinds of request route-kinds.ts.
 */
export function createGatewayComponent(runtime: Runtime, upstreamUrls: GatewayUpstreams, options: GatewayOptions): Component {
  const { config } = runtime;
  const log = runtime.logger.child({ component: 'gateway' });
  const routes = createRouteTable(options.operations);
  const apiKeys = createApiKeyCache({
    resolver: options.apiKeys ?? createApiKeyResolver({ knex: runtime.db.knex, clock: runtime.clock, logger: log, hashSecret: runtime.secrets.derive('api-key-hash'), acceptedHashSecrets: () => runtime.secrets.accepted('api-key-hash') }),
    clock: runtime.clock,
    logger: log,
    ttlMs: config.API_KEY_CACHE_TTL_MS,
  });
  // The gateway's one listener of revocation events: the denylist, which tells the key cache and
  // the open live streams.
  const liveStreams = createLiveStreams({ refuses: (caller) => isRevoked(revocations, caller), clock: runtime.clock });
  const revocations = createRevocationList({
    knex: runtime.db.knex,
    bus: runtime.bus,
    clock: runtime.clock,
    logger: log,
    resyncMs: config.GATEWAY_REVOCATION_RESYNC_MS,
    onRevoked: (revocation) => {
      // With its time, what bench/revocation.ts reads to tell propagation from request latency.
      log.debug({ revocation: { kind: revocation.kind, subject: revocation.subject } }, 'revocation applied');
      apiKeys.revoked(revocation);
      liveStreams.recheck();
    },
    onEventsMissed: () => apiKeys.clear(),
  });
  const metrics = createGatewayMetrics(runtime.metrics, () => revocations.size);
  const jwks = createJwksCache({
    url: new URL(OAUTH_ROUTES.jwks, upstreamUrls.auth).toString(),
    algorithms: config.GATEWAY_JWT_ALGORITHMS,
    cooldownMs: config.GATEWAY_JWKS_REFRESH_COOLDOWN_MS,
    maxAgeMs: config.GATEWAY_JWKS_MAX_AGE_MS,
    timeoutMs: config.GATEWAY_JWKS_TIMEOUT_MS,
    clock: runtime.clock,
    logger: log,
    onRefresh: (result) => metrics.jwksRefreshes.inc({ result }),
  });
  const authenticate = createAuthenticator({
    apiKeys,
    verifyToken: createTokenVerifier({
      issuer: config.PUBLIC_URL,
      audience: config.API_AUDIENCE,
      algorithms: config.GATEWAY_JWT_ALGORITHMS,
      clockToleranceS: config.GATEWAY_CLOCK_TOLERANCE_S,
      expiredStatus: config.GATEWAY_EXPIRED_TOKEN_STATUS,
      cacheSize: config.GATEWAY_TOKEN_CACHE_SIZE,
      jwks,
      clock: runtime.clock,
    }),
  });
  // The limits get a connection of their own with auto-pipelining: the two counters of a request
  // (and those of every request in the same tick) go out in one write instead of one each.
  const limitsRedis = runtime.redis?.duplicate({ enableAutoPipelining: true });
  limitsRedis?.on('error', () => {});
  limitsRedis?.connect().catch(() => undefined);
  const limits = createRateLimits({
    redis: limitsRedis,
    keyPrefix: config.REDIS_KEY_PREFIX,
    windowS: config.RATE_LIMIT_WINDOW_S,
    processCount: config.GATEWAY_PROCESS_COUNT,
    leasePercent: config.RATE_LIMIT_LEASE_PERCENT,
    clock: runtime.clock,
    onReject: (policy) => metrics.rateLimited.inc({ policy }),
    onFallback: () => {
      metrics.rateLimitFallbacks.inc();
      log.warn('rate limits: Redis failed, counting per process until it answers again');
    },
  });
  const ownOrigins = options.corsOrigins ? undefined : createRegisteredOrigins({ knex: runtime.db.knex, clock: runtime.clock, logger: log });
  const cors = createCors(options.corsOrigins ?? ownOrigins!, config.GATEWAY_CORS_ORIGINS);
  const clientAddress = createClientAddressReader(config.GATEWAY_TRUSTED_PROXIES);
  const upstreams = createUpstreams(upstreamUrls, config, createAssertionSigner(createIdentitySigner(runtime.secrets.derive('identity-assertion'))));
  const pipeline = { routes, authenticate, revocations };
  const websocket = createWebSocketProxy(upstreamUrls.api, {
    ...pipeline, limits, config, clientAddress,
    upstreamHeaders: (req, requestId, address, prepared) => upstreams.requestHeaders(req, upstreams.api, requestId, address, prepared),
  }, log);

  const listener = createRequestHandler({
    ...pipeline, config, limits, cors, clientAddress, upstreams, liveStreams,
    builtin: createBuiltinRoutes(runtime, () => limits.storeState()),
    reporting: { record: createRequestRecorder(metrics), metrics, log, accessLog: config.GATEWAY_ACCESS_LOG },
  });

  return {
    name: 'gateway',
    listener,
    // Node would answer `100 Continue` before any check; forward.ts sends it once they passed.
    onCheckContinue: listener,
    onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => websocket.upgrade(req, socket, head),
    drain: () => liveStreams.closeAll(),
    async stop() {
      liveStreams.closeAll();
      await revocations.ready;
      revocations.stop();
      ownOrigins?.stop();
      websocket.close();
      limitsRedis?.disconnect();
      await upstreams.close();
    },
  };
}
