import type { Middleware } from 'koa';
import { renderError } from '../../../views/index.js';
import { normaliseError } from '../../shared/errors.js';

/**
 * Pages (login, consent, account) answer errors with the error page, not JSON: a person is
 * reading. Unexpected errors are logged once and shown as `server_error`.
 */
export function htmlErrors(): Middleware {
  return async function renderHtmlErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const appError = normaliseError(err);
      if (appError.status >= 500) ctx.state.log.error({ err }, 'request failed');
      ctx.status = appError.status;
      ctx.set(appError.headers);
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = renderError({ error: appError.code, description: appError.message, requestId: ctx.state.requestId });
    }
  };
}
