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
      // oidc-provider errors (an expired or unknown interaction) put the useful words in error_description.
      const provider = err as { error?: unknown; error_description?: unknown };
      const description = typeof provider.error_description === 'string' ? provider.error_description : appError.message;
      ctx.status = appError.status;
      ctx.set(appError.headers);
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = renderError({ error: typeof provider.error === 'string' ? provider.error : appError.code, description, requestId: ctx.state.requestId });
    }
  };
}
