import http, { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, toErrorBody } from './errors.js';
import { pickRequestId, REQUEST_ID_HEADER } from './request-id.js';

/**
 * The one writer of an error answer (DESIGN.md "The contract": `{"ok":false,"error":…,
 * "message":…,"request_id":…}` with the error's status and headers), for the gateway's HTTP path,
 * its WebSocket upgrade refusals and every koa app (shared/koa/request-context.ts). Here so the
 * gateway and the resource API share it without importing each other.
 */
export interface ErrorResponse {
  readonly status: number;
  /** The error's own headers (`www-authenticate`, `retry-after`, `allow`, …); the request id is added when written. */
  readonly headers: Record<string, string>;
  /** The JSON body, serialised. */
  readonly payload: string;
  /** Not an AppError: a bug or an outage the client is not told about, to be logged once. */
  readonly unexpected: boolean;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function errorResponse(err: unknown, requestId: string): ErrorResponse {
  const { status, body, headers } = toErrorBody(err, requestId);
  return { status, headers, payload: JSON.stringify(body), unexpected: !(err instanceof AppError) };
}

/** A JSON answer on a node response: the built-in routes' bodies and every error. */
export function writeJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  writePayload(res, status, JSON.stringify(body), headers);
}

function writePayload(res: http.ServerResponse, status: number, payload: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/**
 * The error answer on a node response; `extra` headers (CORS) go first, so the error's own win.
 * A response already under way cannot change its status: it is cut off instead.
 */
export function writeError(res: http.ServerResponse, response: ErrorResponse, requestId: string, extra?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writePayload(res, response.status, response.payload, { ...extra, ...response.headers, [REQUEST_ID_HEADER]: requestId });
}

/** The error answer written on a raw socket (a refused upgrade: no response object exists), then closed. */
export function writeErrorToSocket(socket: Duplex, response: ErrorResponse, requestId: string): void {
  const lines = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? 'Error'}`,
    `content-type: ${JSON_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(response.payload)}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    ...Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`),
    'connection: close',
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${response.payload}`);
}

/**
 * What Node's HTTP parser refuses before any handler runs (a request line and headers over its
 * limit, bytes that are not HTTP/1.1, a request that took too long to arrive) answered in the
 * envelope too, rather than Node's bare status line with no body.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // An answer whose head is already out cannot be followed by another (Node's own handler checks
  // the same internal field); an answer given with `connection: close` has ended the socket.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('invalid_request', `The request line and headers exceed ${http.maxHeaderSize} bytes.`, { status: 431 })
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('invalid_request', 'The request did not arrive in time.', { status: 408 })
        : new AppError('invalid_request', 'The request is not valid HTTP/1.1.');
  const requestId = pickRequestId(undefined);
  writeErrorToSocket(socket, errorResponse(error, requestId), requestId);
}
