import type http from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { AppError } from '../shared/errors.js';
import { downstreamResponseHeaderList } from './headers.js';

/**
 * The proxy core: an undici Pool per upstream (keep-alive, bounded connections). Chosen over
 * http-proxy by measurement (docs/benchmarks.md). Bodies stream both ways; a body over the
 * operation's limit is 413 (at once when Content-Length says so, else as soon as it passes the
 * limit); a client that goes away aborts the upstream request; timeouts are 504 and refused or
 * reset connections 502, and neither takes the process down.
 */
export interface Upstream {
  readonly name: 'api' | 'auth';
  readonly origin: string;
  readonly pool: Pool;
  /** The upstream's listener when it runs in this process (hand-over.ts); the pool still serves what it cannot take. */
  readonly local?: LocalUpstream | undefined;
}

export interface LocalUpstream {
  readonly listener: http.RequestListener;
  /** The `Host` the request would carry over the socket. */
  readonly host: string;
  readonly timeoutMs: number;
}

/** `connections: null` leaves the pool unbounded (live streams, one connection each). */
export function createUpstream(
  name: Upstream['name'],
  origin: string,
  options: { connections: number | null; connectTimeoutMs: number; responseTimeoutMs: number },
  listener?: http.RequestListener,
): Upstream {
  const pool = new Pool(origin, {
    connections: options.connections,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.responseTimeoutMs,
    bodyTimeout: options.responseTimeoutMs,
    keepAliveTimeout: 10_000,
  });
  const local = listener && { listener, host: new URL(origin).host, timeoutMs: options.responseTimeoutMs };
  return { name, origin, pool, local };
}

export interface ForwardRequest {
  upstream: Upstream;
  /** Path and query as received (already checked by check-path). */
  target: string;
  headers: Record<string, string | string[]>;
  bodyLimit: number;
  /** The body, already read whole and checked against the limit (buffer-body.ts); else it streams. */
  body?: Buffer | undefined;
  /** Headers the gateway adds to the response (rate limits, CORS); the request id is added too. */
  responseHeaders: Record<string, string>;
  requestId: string;
  /** A live stream (Server-Sent Events): no body timeout, it is quiet between events. */
  stream?: boolean | undefined;
}

/** Where forward reports: response headers arrived (metrics), or the request failed. */
export interface ForwardSink {
  upstreamResponded(statusCode: number): void;
  /** The upstream exchange ended: the answer was written whole, or it failed. */
  upstreamFinished(): void;
  /** A 413, 502 or 504 (not called when the client went away). */
  forwardFailed(err: AppError): void;
}

/** The caller tells a dispatched request that the client closed the response. */
export interface ForwardHandle {
  clientClosed(): void;
}

const EXPECTS_CONTINUE = /^\s*100-continue\s*$/i;

/**
 * Dispatches the request upstream and streams the answer to the client; the sink hears of the
 * response headers and of a failure (413, 502, 504) before or while it is answered. The caller
 * calls `clientClosed()` on the returned handle when the response closes (its one 'close'
 * listener), which aborts the upstream request if the response was not finished.
 */
export function forward(req: http.IncomingMessage, res: http.ServerResponse, request: ForwardRequest, sink: ForwardSink): ForwardHandle | undefined {
  if (request.body !== undefined) return dispatch(req, res, request, sink, request.body);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > request.bodyLimit) {
    sink.forwardFailed(tooLarge(request.bodyLimit));
    return undefined;
  }
  const hasBody = declared !== undefined ? declared !== '0' : req.headers['transfer-encoding'] !== undefined;
  // `Expect: 100-continue` requests arrive through 'checkContinue' (app.ts): the client sends its
  // body only now, after authentication, permission, rate limits and the size check passed.
  if (hasBody && EXPECTS_CONTINUE.test(req.headers.expect ?? '')) res.writeContinue();

  // A declared length is enforced by node's parser; only a chunked body needs counting.
  return dispatch(req, res, request, sink, hasBody ? (declared !== undefined ? req : req.pipe(limitBody(request.bodyLimit))) : null);
}

/**
 * Pool.dispatch with undici's raw handler interface: the leanest path through undici (no
 * AbortController, no intermediate stream, no header object per response: the raw header
 * buffers go straight into one flat list for writeHead); backpressure by pause/resume.
 */
function dispatch(req: http.IncomingMessage, res: http.ServerResponse, request: ForwardRequest, sink: ForwardSink, body: Buffer | NodeJS.ReadableStream | null): ForwardHandler {
  const handler = new ForwardHandler(res, request, sink);
  request.upstream.pool.dispatch(
    {
      path: request.target, method: req.method as 'GET', headers: request.headers, body: body as Buffer | null,
      ...(request.stream ? { bodyTimeout: 0 } : {}),
    },
    handler as unknown as Dispatcher.DispatchHandler,
  );
  return handler;
}

const kHandler = Symbol('gatehouse.forward');

function onDrain(this: http.ServerResponse): void {
  (this as unknown as { [kHandler]: ForwardHandler })[kHandler].resumeUpstream();
}

class ForwardHandler implements ForwardHandle {
  private abort: ((err?: Error) => void) | undefined = undefined;
  private resume: (() => void) | undefined = undefined;
  private clientGone = false;
  private settled = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly request: ForwardRequest,
    private readonly sink: ForwardSink,
  ) {}

  clientClosed(): void {
    if (this.settled || this.res.writableFinished) return;
    this.clientGone = true;
    this.abort?.(new Error('the client went away'));
  }

  resumeUpstream(): void {
    this.resume?.();
  }

  private settle(err?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.upstreamFinished();
    if (err !== undefined && !this.clientGone) this.sink.forwardFailed(translateUpstreamError(err, this.request.bodyLimit));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.clientGone) abort(new Error('the client went away'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: node answers the client's own Expect itself
    this.resume = resume;
    this.sink.upstreamResponded(statusCode);
    this.res.writeHead(statusCode, downstreamResponseHeaderList(rawHeaders, this.request.responseHeaders, this.request.requestId));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    (this.res as unknown as { [kHandler]: ForwardHandler })[kHandler] = this;
    this.res.once('drain', onDrain);
    return false;
  }

  onComplete(): void {
    this.res.end();
    this.settle();
  }

  onError(err: Error): void {
    this.settle(err);
  }
}

function limitBody(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(tooLarge(limit));
      else callback(null, chunk);
    },
  });
}

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `The request body exceeds ${limit} bytes.`, { details: { limit } });
}

function translateUpstreamError(err: unknown, limit: number): AppError {
  if (err instanceof AppError) return err;
  if (hasCause(err, (e) => e instanceof AppError && e.code === 'payload_too_large')) return tooLarge(limit);
  if (
    err instanceof undiciErrors.ConnectTimeoutError ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError
  ) {
    return new AppError('upstream_timeout', 'The upstream service did not answer in time.', { cause: err });
  }
  return new AppError('upstream_unavailable', 'The upstream service is unavailable.', { cause: err });
}

function hasCause(err: unknown, test: (e: unknown) => boolean): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e)) return true;
  }
  return false;
}
