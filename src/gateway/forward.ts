import type http from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { AppError } from '../shared/errors.js';
import { downstreamResponseHeaders } from './headers.js';

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
}

export function createUpstream(name: Upstream['name'], origin: string, options: { connections: number; connectTimeoutMs: number; responseTimeoutMs: number }): Upstream {
  const pool = new Pool(origin, {
    connections: options.connections,
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.responseTimeoutMs,
    bodyTimeout: options.responseTimeoutMs,
    keepAliveTimeout: 10_000,
  });
  return { name, origin, pool };
}

export interface ForwardRequest {
  upstream: Upstream;
  /** Path and query as received (already checked by check-path). */
  target: string;
  headers: Record<string, string | string[]>;
  bodyLimit: number;
  /** Headers the gateway adds to the response (request id, rate limits, CORS). */
  responseHeaders: Record<string, string>;
  /** Called once headers arrive from upstream, for metrics. */
  onHeaders?: (statusCode: number) => void;
}

const EXPECTS_CONTINUE = /^\s*100-continue\s*$/i;

export function forward(req: http.IncomingMessage, res: http.ServerResponse, request: ForwardRequest): Promise<void> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > request.bodyLimit) return Promise.reject(tooLarge(request.bodyLimit));
  const hasBody = declared !== undefined ? declared !== '0' : req.headers['transfer-encoding'] !== undefined;
  // `Expect: 100-continue` requests arrive through 'checkContinue' (app.ts): the client sends its
  // body only now, after authentication, permission, rate limits and the size check passed.
  if (hasBody && EXPECTS_CONTINUE.test(req.headers.expect ?? '')) res.writeContinue();

  // Pool.dispatch with a handler of our own: the leanest path through undici (no AbortController,
  // no intermediate stream); the response is written straight to the client with backpressure.
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let clientGone = false;
    const onClose = () => {
      if (res.writableFinished) return;
      clientGone = true;
      controller?.abort(new Error('the client went away'));
    };
    res.once('close', onClose);
    const settle = (err?: unknown) => {
      res.off('close', onClose);
      if (err === undefined || clientGone) resolve();
      else reject(translateUpstreamError(err, request.bodyLimit));
    };
    request.upstream.pool.dispatch(
      {
        path: request.target,
        method: req.method as 'GET',
        headers: request.headers,
        // A declared length is enforced by node's parser; only a chunked body needs counting.
        body: hasBody ? (declared !== undefined ? req : req.pipe(limitBody(request.bodyLimit))) : null,
      },
      {
        onRequestStart(c) {
          controller = c;
          if (clientGone) c.abort(new Error('the client went away'));
        },
        onResponseStart(c, statusCode, headers) {
          if (statusCode < 200) return; // 1xx: node answers the client's own Expect itself
          request.onHeaders?.(statusCode);
          const out = downstreamResponseHeaders(headers);
          for (const name in request.responseHeaders) out[name] = request.responseHeaders[name]!;
          res.writeHead(statusCode, out);
        },
        onResponseData(c, chunk) {
          if (!res.write(chunk)) {
            c.pause();
            res.once('drain', () => c.resume());
          }
        },
        onResponseEnd() {
          res.end();
          settle();
        },
        onResponseError(_c, err) {
          settle(err);
        },
      },
    );
  });
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
