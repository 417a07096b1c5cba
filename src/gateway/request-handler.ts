import type http from 'node:http';
import type { Config } from '../shared/config/index.js';
import { REQUEST_ID_HEADER } from '../shared/request-id.js';
import { bufferBody, hasRequestBody } from './buffer-body.js';
import type { BuiltinRoutes } from './builtin-routes.js';
import { checkFraming } from './check-framing.js';
import { checkTarget } from './check-path.js';
import type { ClientAddress } from './client-address.js';
import type { Cors } from './cors.js';
import { Exchange, type ExchangeReporting } from './exchange.js';
import { forward, type ForwardRequest, type Upstream } from './forward.js';
import { canHandOver, handOver } from './hand-over.js';
import { createInFlightLimit } from './in-flight.js';
import type { RateLimitOutcome, RateLimits } from './limit-rate.js';
import { prepareApiRequest, type DecisionSteps, type PreparedRequest } from './prepare.js';
import { apiRateChecks, authRouteChecks } from './rate-policies.js';
import { routeKind } from './route-kinds.js';
import type { Upstreams } from './upstreams.js';
import type { LiveStreams } from './live-streams.js';

/** What the request path uses; app.ts wires it. */
export interface RequestPath extends DecisionSteps {
  config: Config;
  limits: RateLimits;
  cors: Cors;
  clientAddress: (req: http.IncomingMessage) => ClientAddress;
  upstreams: Upstreams;
  builtin: BuiltinRoutes;
  reporting: ExchangeReporting;
  liveStreams: LiveStreams;
}

/**
 * The gateway's request path, top to bottom, each step a file of its own:
 *
 * 1. check-framing.ts: HTTP/1.1 framing RFC 9112 says to refuse;
 * 2. check-path.ts: path hygiene;
 * 3. route-kinds.ts: which kind of request it is; for an API request:
 * 4. cors.ts (only with `Origin`): CORS headers, or the answer to a preflight;
 * 5. prepare.ts: the operation (contract route table), authenticate.ts, check-revocation.ts,
 *    enforce-permission.ts;
 * 6. limit-rate.ts with rate-policies.ts: the principal's and organization's limits;
 * 7. buffer-body.ts (an authenticated request with a body), then upstreams.ts: header hygiene
 *    (headers.ts) and the identity assertion (sign-assertion.ts);
 * 8. forward.ts: to the resource API, the answer streamed back; a live stream (Server-Sent
 *    Events) is followed by live-streams.ts until it closes.
 *
 * The hot path, an API request without `Origin` whose credential is cached and whose limits
 * answer from memory or a lease, is synchronous from the request to the upstream dispatch.
 */
export function createRequestHandler(steps: RequestPath): http.RequestListener {
  const { config, limits, cors, clientAddress, upstreams, builtin, reporting, liveStreams } = steps;
  const inFlight = createInFlightLimit(config.GATEWAY_MAX_IN_FLIGHT_PER_PRINCIPAL);

  function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const exchange = new Exchange(req, res, reporting);
    try {
      checkFraming(req);
      const { path: target, query } = checkTarget(req.url, config.GATEWAY_MAX_PATH_LENGTH);
      switch (routeKind(req.method, target)) {
        case 'api':
          if (req.headers.origin === undefined) prepare(exchange, target, query);
          else fromBrowser(exchange, target, query).catch((err: unknown) => exchange.fail(err));
          return;
        case 'auth_server':
          toAuthServer(exchange, target).catch((err: unknown) => exchange.fail(err));
          return;
        case 'docs':
          toDocs(exchange, target).catch((err: unknown) => exchange.fail(err));
          return;
        case 'builtin':
          answerBuiltin(exchange, target).catch((err: unknown) => exchange.fail(err));
          return;
      }
    } catch (err) {
      exchange.fail(err);
    }
  }

  /** Step 5: synchronous when the credential is cached and the revocation list loaded. */
  function prepare(exchange: Exchange, target: string, query: string): void {
    const prepared = prepareApiRequest(steps, exchange.req, target, query);
    if (prepared instanceof Promise) prepared.then((p) => limitRate(exchange, p), (err: unknown) => exchange.fail(err));
    else limitRate(exchange, prepared);
  }

  /** Step 6: synchronous when every limit answers from memory or a lease. */
  function limitRate(exchange: Exchange, prepared: PreparedRequest): void {
    try {
      exchange.label = prepared.match.operation.name;
      exchange.caller = prepared.caller;
      const address = clientAddress(exchange.req);
      exchange.address = address;
      const outcome = limits.consume(apiRateChecks(config, prepared.match.operation, prepared.caller, address.ip));
      if (outcome instanceof Promise) outcome.then((o) => toApi(exchange, prepared, o), (err: unknown) => exchange.fail(err));
      else toApi(exchange, prepared, outcome);
    } catch (err) {
      exchange.fail(err);
    }
  }

  function toApi(exchange: Exchange, prepared: PreparedRequest, { headers }: RateLimitOutcome): void {
    // The client left while its limits were checked (Redis): nothing to send, nothing to count.
    if (exchange.closed) return;
    exchange.prepared = prepared;
    const stream = prepared.match.operation.stream === true;
    if (!stream && prepared.caller !== undefined) {
      try {
        exchange.holdInFlight(inFlight, inFlight.enter(prepared.caller));
      } catch (err) {
        exchange.fail(err);
        return;
      }
    }
    const upstream = stream ? upstreams.apiStreams : upstreams.api;
    proxy(exchange, upstream, exchange.corsHeaders ? { ...headers, ...exchange.corsHeaders } : headers, prepared.match.operation.bodyLimit);
  }

  /** Step 4, then 5: an API request from a browser, or its preflight. */
  async function fromBrowser(exchange: Exchange, target: string, query: string): Promise<void> {
    const { req, res } = exchange;
    exchange.corsHeaders = await cors.headersFor(req);
    if (cors.isPreflight(req)) {
      exchange.label = 'preflight';
      res.writeHead(204, { ...(await cors.preflight(req, 'GET, HEAD, POST, PUT, PATCH, DELETE')), [REQUEST_ID_HEADER]: exchange.requestId });
      res.end();
      return;
    }
    const prepared = await prepareApiRequest(steps, req, target, query);
    // Now that the caller is known: a widget's origin is allowed only for its visitors (cors.ts).
    exchange.corsHeaders = await cors.headersFor(req, prepared.caller);
    limitRate(exchange, prepared);
  }

  async function answerBuiltin(exchange: Exchange, target: string): Promise<void> {
    await builtin(exchange.req, exchange.res, target, exchange.requestId);
    exchange.label = 'builtin';
  }

  async function toAuthServer(exchange: Exchange, target: string): Promise<void> {
    exchange.label = 'auth_server';
    exchange.address = clientAddress(exchange.req);
    // The gateway's own refusals (429) of a widget's sessions path carry that widget's CORS.
    exchange.corsHeaders = await cors.headersForAuthPath(exchange.req, target);
    const { headers } = await limits.consume(authRouteChecks(config, exchange.req.method ?? 'GET', target, exchange.address.ip));
    proxy(exchange, upstreams.auth, headers, config.GATEWAY_AUTH_BODY_LIMIT);
  }

  async function toDocs(exchange: Exchange, target: string): Promise<void> {
    const { req } = exchange;
    exchange.address = clientAddress(req);
    if (req.headers.origin !== undefined) exchange.corsHeaders = await cors.headersFor(req);
    exchange.label = 'docs';
    const { headers } = await limits.consume(authRouteChecks(config, req.method!, target, exchange.address.ip));
    proxy(exchange, upstreams.api, { ...headers, ...exchange.corsHeaders }, 0);
  }

  /**
   * Step 7: an API request with a caller gets an assertion covering its body, so the body is
   * read first (buffer-body.ts). Requests without a body, the hot path, go on at once.
   */
  function proxy(exchange: Exchange, upstream: Upstream, responseHeaders: Record<string, string>, bodyLimit: number): void {
    exchange.upstream = upstream;
    exchange.responseHeaders = responseHeaders;
    exchange.bodyLimit = bodyLimit;
    if (exchange.prepared?.caller !== undefined && hasRequestBody(exchange.req)) {
      bufferBody(exchange.req, exchange.res, bodyLimit).then((body) => send(exchange, body), (err: unknown) => exchange.fail(err));
    } else {
      send(exchange, undefined);
    }
  }

  /** Steps 7 and 8: the upstream's headers (hygiene, identity assertion), then forward. */
  function send(exchange: Exchange, body: Buffer | undefined): void {
    const { req, res, requestId, upstream, prepared } = exchange;
    exchange.sentAt = performance.now();
    const stream = prepared?.match.operation.stream === true && prepared.caller !== undefined;
    if (stream) liveStreams.add(res, prepared.caller!);
    const request: ForwardRequest = {
      upstream: upstream!,
      target: req.url!,
      headers: upstreams.requestHeaders(req, upstream!, requestId, exchange.address!, prepared, body),
      bodyLimit: exchange.bodyLimit,
      body,
      responseHeaders: exchange.responseHeaders,
      requestId,
      stream,
    };
    const local = upstream!.local;
    exchange.forwarding = local !== undefined && body === undefined && canHandOver(req, exchange.bodyLimit)
      ? handOver(req, res, request, local, exchange)
      : forward(req, res, request, exchange);
  }

  return handleRequest;
}
