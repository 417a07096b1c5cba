import type http from 'node:http';
import { REQUEST_ID_HEADER } from '../shared/request-id.js';
import { AppError } from '../shared/errors.js';
import type { ForwardHandle, ForwardRequest, ForwardSink, LocalUpstream } from './forward.js';
import { HOP_BY_HOP_HEADERS } from './headers.js';

/**
 * The auth server's hop when it runs in the gateway's own process (`--role all`): the request is
 * handed to its listener on the same request and response objects instead of being written to a
 * socket, parsed again by the auth server, answered, and parsed a third time by undici. What it
 * sees is what the socket would have carried: the headers after hygiene (with the gateway's
 * `X-Forwarded-*`, request id and trace context) and the `Host` undici would send; what the
 * client gets is what forward.ts would write: the auth server's headers minus hop-by-hop ones,
 * with the gateway's own (rate limits, CORS, request id) in place of any of the same name.
 *
 * Only bodies whose length is declared, and within the limit, are handed over; a chunked body
 * or `Expect: 100-continue` goes through the socket, where forward.ts counts and paces it.
 */
export function canHandOver(req: http.IncomingMessage, bodyLimit: number): boolean {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined || headers.expect !== undefined) return false;
  const declared = headers['content-length'];
  return declared === undefined || Number(declared) <= bodyLimit;
}

const dropped = new Set(HOP_BY_HOP_HEADERS.filter((name) => name !== 'host'));

export function handOver(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  request: ForwardRequest,
  local: LocalUpstream,
  sink: ForwardSink,
): ForwardHandle {
  const handle = new HandOver(res, request, sink, local.timeoutMs);
  req.headers = { ...request.headers, host: local.host } as http.IncomingHttpHeaders;
  local.listener(req, res);
  return handle;
}

const kHandOver = Symbol('gatehouse.hand-over');
type HandedResponse = http.ServerResponse & { [kHandOver]: HandOver };

/** Every answer passes here once, explicit or implicit (`end` without `writeHead`). */
function writeHeadOnce(this: http.ServerResponse, statusCode: number, ...rest: unknown[]): http.ServerResponse {
  delete (this as Partial<http.ServerResponse>).writeHead;
  (this as HandedResponse)[kHandOver].answering(statusCode, rest);
  return (this.writeHead as (...args: unknown[]) => http.ServerResponse).call(this, statusCode, ...rest);
}

function onFinish(this: http.ServerResponse): void {
  (this as HandedResponse)[kHandOver].clientClosed();
}

class HandOver implements ForwardHandle {
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly request: ForwardRequest,
    private readonly sink: ForwardSink,
    timeoutMs: number,
  ) {
    (res as HandedResponse)[kHandOver] = this;
    res.writeHead = writeHeadOnce as http.ServerResponse['writeHead'];
    res.once('finish', onFinish);
    // Over the socket undici would give up after the response timeout (504); so does this.
    this.timer = setTimeout(() => this.timedOut(), timeoutMs);
    this.timer.unref();
  }

  clientClosed(): void {
    this.settle();
  }

  answering(statusCode: number, rest: unknown[]): void {
    const { res, request } = this;
    clearTimeout(this.timer);
    // Headers given to writeHead itself take precedence over those set before; both are filtered.
    const given = rest.find((arg) => typeof arg === 'object' && arg !== null) as Record<string, unknown> | unknown[] | undefined;
    if (Array.isArray(given)) {
      for (let i = given.length - 2; i >= 0; i -= 2) if (isReplaced(String(given[i]).toLowerCase(), request.responseHeaders)) given.splice(i, 2);
    } else if (given !== undefined) {
      for (const name of Object.keys(given)) if (isReplaced(name.toLowerCase(), request.responseHeaders)) delete given[name];
    }
    // As forward.ts does: a header the answer's `Connection` names is hop-by-hop too.
    for (const token of String(res.getHeader('connection') ?? '').toLowerCase().split(',')) if (token.trim() !== '') res.removeHeader(token.trim());
    for (const name of res.getHeaderNames()) if (isReplaced(name, request.responseHeaders)) res.removeHeader(name);
    for (const name in request.responseHeaders) res.setHeader(name, request.responseHeaders[name]!);
    res.setHeader(REQUEST_ID_HEADER, request.requestId);
    if (statusCode >= 200) this.sink.upstreamResponded(statusCode);
  }

  private timedOut(): void {
    if (this.settled || this.res.headersSent) return;
    delete (this.res as Partial<http.ServerResponse>).writeHead;
    this.settled = true;
    this.sink.upstreamFinished();
    this.sink.forwardFailed(new AppError('upstream_timeout', 'The upstream service did not answer in time.'));
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.sink.upstreamFinished();
  }
}

function isReplaced(name: string, extra: Record<string, string>): boolean {
  return dropped.has(name) || name === REQUEST_ID_HEADER || Object.hasOwn(extra, name);
}
