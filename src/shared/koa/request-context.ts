import type { Context, Middleware } from 'koa';
import { AppError } from '../errors.js';
import { errorResponse, JSON_CONTENT_TYPE, type ErrorResponse } from '../error-response.js';
import type { Logger } from '../logger.js';
import { pickRequestId, REQUEST_ID_HEADER } from '../request-id.js';

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
  }
}

export interface RequestContextOptions {
  logger: Logger;
  /** Log a line per request (the gateway does; internal listeners leave it to the gateway). */
  accessLog?: boolean;
  /** Turns a library's error the client should hear about (a database outage) into an AppError. */
  translate?: (err: unknown) => unknown;
}

/**
 * Outermost middleware of every koa app: gives the request an id (a sane inbound
 * `x-request-id`, else a new one) and echoes it, writes the `{ok:false,...}` answer for any thrown
 * error (shared/error-response.ts, the gateway's writer too), and logs unexpected errors once,
 * with the request id.
 */
export function requestContext(options: RequestContextOptions): Middleware {
  const { logger, accessLog = false, translate = (err: unknown) => err } = options;
  return async function requestContextMiddleware(ctx, next) {
    const requestId = pickRequestId(ctx.get(REQUEST_ID_HEADER) || undefined);
    const started = process.hrtime.bigint();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ request_id: requestId });
    ctx.set(REQUEST_ID_HEADER, requestId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) respond(ctx, errorResponse(new AppError('not_found', 'No such route.'), requestId), requestId);
    } catch (err) {
      const response = errorResponse(translate(err), requestId);
      if (response.status >= 500) ctx.state.log.error({ err }, 'request failed');
      respond(ctx, response, requestId);
    } finally {
      if (accessLog) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        ctx.state.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
      }
    }
  };
}

function respond(ctx: Context, response: ErrorResponse, requestId: string): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.set(REQUEST_ID_HEADER, requestId);
  // The type first: koa would call a string body text/plain.
  ctx.type = JSON_CONTENT_TYPE;
  ctx.body = response.payload;
}
