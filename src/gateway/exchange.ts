import type http from 'node:http';
import { errorResponse, writeError } from '../shared/error-response.js';
import type { Logger } from '../shared/logger.js';
import { pickRequestId, REQUEST_ID_HEADER } from '../shared/request-id.js';
import { AuthFailure } from './auth-error.js';
import type { Caller } from './caller.js';
import type { ClientAddress } from './client-address.js';
import type { ForwardHandle, ForwardSink, Upstream } from './forward.js';
import type { InFlightLimit } from './in-flight.js';
import type { GatewayMetrics, RequestRecorder } from './metrics.js';
import type { PreparedRequest } from './prepare.js';

/** What every exchange reports to: metrics, and the access log when it is on. */
export interface ExchangeReporting {
  readonly record: RequestRecorder;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly accessLog: boolean;
}

const kExchange = Symbol('gatehouse.exchange');
const noHeaders: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * One request's state, from arrival to the response's end (request-handler.ts fills it in step
 * by step). Its refusal goes out through the one error writer (shared/error-response.ts); when
 * the response closes it is counted and, with GATEWAY_ACCESS_LOG, logged. The response's 'close'
 * listener is one shared function, not a closure per request.
 */
export class Exchange implements ForwardSink {
  readonly started = performance.now();
  readonly requestId: string;
  /** Taken now: the socket may be gone when the access log is written. */
  readonly peer: string | undefined;
  /** The operation's name once routed; `builtin`, `docs`, `auth_server`, `preflight` for the others. */
  label = 'unmatched';
  caller: Caller | undefined = undefined;
  corsHeaders: Record<string, string> | undefined = undefined;
  // Where the request goes and with what, decided before it is sent (request-handler.ts `proxy`).
  upstream: Upstream | undefined = undefined;
  address: ClientAddress | undefined = undefined;
  /** Headers the gateway adds to the answer: rate limits, CORS. */
  responseHeaders: Record<string, string> = noHeaders;
  bodyLimit = 0;
  /** The decision on an API request (prepare.ts); undefined for the auth server and the docs. */
  prepared: PreparedRequest | undefined = undefined;
  forwarding: ForwardHandle | undefined = undefined;
  sentAt = 0;
  /** The in-flight count this request holds (request-handler.ts), released once. */
  private inFlight: InFlightLimit | undefined = undefined;
  private inFlightKey = '';
  /** The response closed: answered, refused, or the client went away. */
  closed = false;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    private readonly reporting: ExchangeReporting,
  ) {
    this.requestId = pickRequestId(req.headers[REQUEST_ID_HEADER]);
    this.peer = req.socket.remoteAddress;
    (res as unknown as { [kExchange]: Exchange })[kExchange] = this;
    res.on('close', onResponseClose);
  }

  holdInFlight(limit: InFlightLimit, principal: string): void {
    this.inFlight = limit;
    this.inFlightKey = principal;
  }

  /** The upstream is done with this request (answered whole or failed), or the client left. */
  releaseInFlight(): void {
    const limit = this.inFlight;
    if (limit === undefined) return;
    this.inFlight = undefined;
    limit.leave(this.inFlightKey);
  }

  upstreamFinished(): void {
    this.releaseInFlight();
  }

  upstreamResponded(): void {
    this.reporting.record.upstream(this.upstream!.name, (performance.now() - this.sentAt) / 1e3);
  }

  forwardFailed(err: unknown): void {
    this.fail(err);
  }

  /** Answers with the error (or cuts off an answer under way); unexpected errors are logged once. */
  fail(err: unknown): void {
    const { metrics, log } = this.reporting;
    if (err instanceof AuthFailure) metrics.authFailures.inc({ reason: err.reason });
    const response = errorResponse(err, this.requestId);
    if (response.status >= 500 && response.unexpected) log.error({ err, request_id: this.requestId }, 'request failed');
    writeError(this.res, response, this.requestId, this.corsHeaders);
  }

  finish(): void {
    const { req, res, reporting } = this;
    const seconds = (performance.now() - this.started) / 1e3;
    const status = res.writableFinished ? res.statusCode : 499;
    reporting.record.request(this.label, status, seconds);
    if (!reporting.accessLog) return;
    const identity = this.caller?.identity;
    reporting.log.info({
      request_id: this.requestId, method: req.method, path: (req.url ?? '').split('?')[0]!.slice(0, 256), status, operation: this.label,
      ms: Math.round(seconds * 1e4) / 10, ip: this.peer,
      ...(identity ? { sub: identity.sub, org: identity.org, client_id: identity.client_id, key_id: identity.key_id } : {}),
    }, 'request');
  }
}

function onResponseClose(this: http.ServerResponse): void {
  const exchange = (this as unknown as { [kExchange]: Exchange })[kExchange];
  exchange.closed = true;
  exchange.releaseInFlight();
  exchange.forwarding?.clientClosed();
  exchange.finish();
}
