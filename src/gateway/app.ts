import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiKeyResolver } from '../contract/api-key.js';
import { classifyAuthPath, OAUTH_ROUTES } from '../contract/auth-routes.js';
import { createRouteTable, type Operation } from '../contract/index.js';
import type { Component, Runtime } from '../shared/runtime.js';
import { errorResponse, writeError, writeJson } from '../shared/error-response.js';
import { AppError } from '../shared/errors.js';
import { pickRequestId, REQUEST_ID_HEADER } from '../shared/request-id.js';
import { createApiKeyResolver } from './api-keys.js';
import { AuthFailure } from './auth-error.js';
import { createAuthenticator } from './authenticate.js';
import { createBuiltinRoutes } from './builtin-routes.js';
import type { Caller } from './caller.js';
import { checkFraming } from './check-framing.js';
import { checkTarget } from './check-path.js';
import { createClientAddressReader, type ClientAddress } from './client-address.js';
import { createCors, type OriginSource } from './cors.js';
import { forward, type ForwardHandle, type ForwardSink } from './forward.js';
import { createJwksCache } from './jwks.js';
import { createRateLimits, type RateLimitOutcome } from './limit-rate.js';
import { createGatewayMetrics, createRequestRecorder } from './metrics.js';
import { createRegisteredOrigins } from './registered-origins.js';
import { createRevocationList } from './revocation-list.js';
import { createIdentitySigner } from '../contract/identity.js';
import { bufferBody, hasRequestBody } from './buffer-body.js';
import { createAssertionSigner } from './sign-assertion.js';
import { authRouteChecks, apiRateChecks } from './rate-policies.js';
import { prepareApiRequest, type PreparedRequest } from './prepare.js';
import { createUpstreams } from './upstreams.js';
import { createWebSocketProxy } from './websocket.js';
import { createTokenVerifier } from './verify-token.js';

export interface GatewayUpstreams {
  auth: string;
  api: string;
}

export interface GatewayOptions {
  /** The contract table; tests pass their own. */
  operations: readonly Operation[];
  /** Turns an API key into an identity; default: the database-backed resolver of api-keys.ts. */
  apiKeys?: ApiKeyResolver | undefined;
  /** Browser origins allowed to call the API; default: those registered on OAuth clients. GATEWAY_CORS_ORIGINS are added. */
  corsOrigins?: OriginSource | undefined;
}

// Not operations, but public API routes (src/contract/index.ts): the OpenAPI document and its page.
const isDocsPath = (path: string) => path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/');
const kExchange = Symbol('gatehouse.exchange');

/** The only public listener (DESIGN.md "Components"): routing, authentication, limits, proxy. */
export function createGatewayComponent(runtime: Runtime, upstreamUrls: GatewayUpstreams, options: GatewayOptions): Component {
  const { config } = runtime;
  const log = runtime.logger.child({ component: 'gateway' });
  const routes = createRouteTable(options.operations);
  const ownResolver = options.apiKeys
    ? undefined
    : createApiKeyResolver({
      knex: runtime.db.knex, bus: runtime.bus, clock: runtime.clock, logger: log, hashSecret: runtime.secrets.derive('api-key-hash'),
      cacheTtlMs: config.API_KEY_CACHE_TTL_MS,
    });
  const apiKeys = options.apiKeys ?? ownResolver;
  const revocations = createRevocationList({
    knex: runtime.db.knex,
    bus: runtime.bus,
    clock: runtime.clock,
    logger: log,
    resyncMs: config.GATEWAY_REVOCATION_RESYNC_MS,
    onApiKeyRevoked: (keyId) => apiKeys?.forget(keyId),
    onUserRevoked: () => authenticate.forgetApiKeyCallers(),
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

  function sendError(res: http.ServerResponse, err: unknown, requestId: string, extra: Record<string, string> | undefined): void {
    if (err instanceof AuthFailure) metrics.authFailures.inc({ reason: err.reason });
    const response = errorResponse(err, requestId);
    if (response.status >= 500 && response.unexpected) log.error({ err, request_id: requestId }, 'request failed');
    writeError(res, response, requestId, extra);
  }

  const builtin = createBuiltinRoutes(runtime, () => limits.storeState(), writeJson);
  const record = createRequestRecorder(metrics);

  /** One request's state; the response's 'close' listener is shared, not a closure per request. */
  class Exchange implements ForwardSink {
    readonly started = performance.now();
    label = 'unmatched';
    caller: Caller | undefined = undefined;
    corsHeaders: Record<string, string> | undefined = undefined;
    forwarding: ForwardHandle | undefined = undefined;
    upstream: 'api' | 'auth' = 'api';
    sentAt = 0;

    constructor(
      readonly req: http.IncomingMessage,
      readonly res: http.ServerResponse,
      readonly requestId: string,
      readonly peer: string | undefined,
    ) {}

    upstreamResponded(): void {
      record.upstream(this.upstream, (performance.now() - this.sentAt) / 1e3);
    }

    forwardFailed(err: unknown): void {
      this.fail(err);
    }

    fail(err: unknown): void {
      sendError(this.res, err, this.requestId, this.corsHeaders);
    }
  }

  function onResponseClose(this: http.ServerResponse): void {
    const exchange = (this as unknown as { [kExchange]: Exchange })[kExchange];
    exchange.forwarding?.clientClosed();
    finish(exchange);
  }

  function finish(state: Exchange): void {
    const { req, res } = state;
    const seconds = (performance.now() - state.started) / 1e3;
    const status = res.writableFinished ? res.statusCode : 499;
    record.request(state.label, status, seconds);
    if (config.GATEWAY_ACCESS_LOG) {
      const identity = state.caller?.identity;
      log.info({
        request_id: state.requestId, method: req.method, path: (req.url ?? '').split('?')[0]!.slice(0, 256), status, operation: state.label,
        ms: Math.round(seconds * 1e4) / 10, ip: state.peer,
        ...(identity ? { sub: identity.sub, org: identity.org, client_id: identity.client_id, key_id: identity.key_id } : {}),
      }, 'request');
    }
  }

  /**
   * The hot path, an API request without `Origin`: synchronous from the request to the upstream
   * dispatch when the credential is cached and the limits answer from memory or a lease.
   */
  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const state = new Exchange(req, res, pickRequestId(req.headers[REQUEST_ID_HEADER]), req.socket.remoteAddress);
    (res as unknown as { [kExchange]: Exchange })[kExchange] = state;
    res.on('close', onResponseClose);
    try {
      checkFraming(req);
      const { path, query } = checkTarget(req.url, config.GATEWAY_MAX_PATH_LENGTH);
      // DESIGN.md "Components": the contract's auth-server paths, spelled exactly, go to the auth
      // server; another spelling of one is refused before routing and rate limits (issue 17).
      const auth = classifyAuthPath(path);
      if (auth === 'refused') throw new AppError('not_found', 'The authorization server has no such path.');
      if (auth === 'auth' || req.headers.origin !== undefined || path === '/health' || path === '/ready' || path === '/metrics' || isDocsPath(path)) {
        handleOther(state, path, query, auth === 'auth').catch((err: unknown) => state.fail(err));
        return;
      }
      const prepared = prepareApiRequest(pipeline, req, path, query);
      if (prepared instanceof Promise) prepared.then((p) => limitAndForward(state, p), (err: unknown) => state.fail(err));
      else limitAndForward(state, prepared);
    } catch (err) {
      state.fail(err);
    }
  }

  function limitAndForward(state: Exchange, prepared: PreparedRequest): void {
    try {
      state.label = prepared.match.operation.name;
      state.caller = prepared.caller;
      const address = clientAddress(state.req);
      const outcome = limits.consume(apiRateChecks(config, prepared.match.operation, prepared.caller, address.ip));
      if (outcome instanceof Promise) {
        outcome.then((o) => forwardApi(state, prepared, address, o), (err: unknown) => state.fail(err));
      } else {
        forwardApi(state, prepared, address, outcome);
      }
    } catch (err) {
      state.fail(err);
    }
  }

  function forwardApi(state: Exchange, prepared: PreparedRequest, address: ClientAddress, { headers }: RateLimitOutcome): void {
    const rateHeaders = state.corsHeaders ? { ...headers, ...state.corsHeaders } : headers;
    proxy(state, upstreams.api, address, rateHeaders, prepared.match.operation.bodyLimit, prepared);
  }

  /** Everything but a plain API request: built-in routes, the auth server, CORS, the docs. */
  async function handleOther(state: Exchange, path: string, query: string, toAuthServer: boolean): Promise<void> {
    const { req, res, requestId } = state;
    if ((path === '/health' || path === '/ready' || path === '/metrics') && (await builtin(req, res, path, requestId))) {
      state.label = 'builtin';
      return;
    }
    const address = clientAddress(req);
    if (toAuthServer) {
      state.label = 'auth_server';
      const { headers: rateHeaders } = await limits.consume(authRouteChecks(config, req.method ?? 'GET', path, address.ip));
      proxy(state, upstreams.auth, address, rateHeaders, config.GATEWAY_AUTH_BODY_LIMIT, undefined);
      return;
    }
    if (req.headers.origin !== undefined) state.corsHeaders = await cors.headersFor(req);
    if (cors.isPreflight(req)) {
      state.label = 'preflight';
      res.writeHead(204, { ...(await cors.preflight(req, 'GET, HEAD, POST, PUT, PATCH, DELETE')), [REQUEST_ID_HEADER]: requestId });
      res.end();
      return;
    }
    if (isDocsPath(path) && (req.method === 'GET' || req.method === 'HEAD')) {
      state.label = 'docs';
      const { headers: rateHeaders } = await limits.consume(authRouteChecks(config, req.method, path, address.ip));
      proxy(state, upstreams.api, address, { ...rateHeaders, ...state.corsHeaders }, 0, undefined);
      return;
    }
    limitAndForward(state, await prepareApiRequest(pipeline, req, path, query));
  }

  function proxy(
    state: Exchange,
    upstream: ReturnType<typeof createUpstreams>['api'],
    address: ClientAddress,
    rateHeaders: Record<string, string>,
    bodyLimit: number,
    prepared: PreparedRequest | undefined,
  ): void {
    // An API request with a caller gets an assertion covering its body: the body is read first
    // (buffer-body.ts). Requests without a body, the hot path, go on at once.
    if (prepared?.caller !== undefined && upstream === upstreams.api && hasRequestBody(state.req)) {
      bufferBody(state.req, state.res, bodyLimit).then(
        (body) => send(state, upstream, address, rateHeaders, bodyLimit, prepared, body),
        (err: unknown) => state.fail(err),
      );
      return;
    }
    send(state, upstream, address, rateHeaders, bodyLimit, prepared, undefined);
  }

  function send(
    state: Exchange,
    upstream: ReturnType<typeof createUpstreams>['api'],
    address: ClientAddress,
    rateHeaders: Record<string, string>,
    bodyLimit: number,
    prepared: PreparedRequest | undefined,
    body: Buffer | undefined,
  ): void {
    const { req, res, requestId } = state;
    state.upstream = upstream.name;
    state.sentAt = performance.now();
    state.forwarding = forward(req, res, {
      upstream,
      target: req.url!,
      headers: upstreams.requestHeaders(req, upstream, requestId, address, prepared, body),
      bodyLimit,
      body,
      responseHeaders: rateHeaders,
      requestId,
    }, state);
  }

  return {
    name: 'gateway',
    listener: handle,
    // Node would answer `100 Continue` before any check; forward.ts sends it once they passed.
    onCheckContinue: handle,
    onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => websocket.upgrade(req, socket, head),
    async stop() {
      await revocations.ready;
      revocations.stop();
      ownResolver?.close();
      ownOrigins?.stop();
      websocket.close();
      limitsRedis?.disconnect();
      await upstreams.close();
    },
  };
}
