import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';
import { toErrorBody } from '../errors.js';
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
}

/**
 * Outermost middleware of every koa app: gives the request an id (a sane inbound
 * `x-request-id`, else a new one) and echoes it, writes the `{ok:false,...}` body for any thrown
 * error, and logs unexpected errors once, with the request id.
 */
export function requestContext(options: RequestContextOptions): Middleware {
  const { logger, accessLog = false } = options;
  return async function requestContextMiddleware(ctx, next) {
    const requestId = pickRequestId(ctx.get(REQUEST_ID_HEADER) || undefined);
    const started = process.hrtime.bigint();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ request_id: requestId });
    ctx.set(REQUEST_ID_HEADER, requestId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { ok: false, error: 'not_found', message: 'No such route.', request_id: requestId };
      }
    } catch (err) {
      const { status, body, headers } = toErrorBody(err, requestId);
      if (status >= 500) ctx.state.log.error({ err }, 'request failed');
      ctx.status = status;
      ctx.set(headers);
      ctx.set(REQUEST_ID_HEADER, requestId);
      ctx.body = body;
    } finally {
      if (accessLog) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        ctx.state.log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
      }
    }
  };
}
