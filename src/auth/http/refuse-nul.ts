import type { Middleware } from 'koa';
import { nulRefused, queryHasNul } from './form-body.js';

/**
 * A NUL in the query string is refused before anything reads a parameter (issue 13: a NUL in
 * `client_id` reached Postgres and came back as a 500). OAuth endpoints answer in RFC 6749's
 * error shape, everything else in the API envelope. Bodies are checked where they are read
 * (form-body.ts).
 */
export function refuseNul(): Middleware {
  return async function refuseNulInQuery(ctx, next) {
    if (!queryHasNul(ctx.querystring)) return next();
    const refusal = nulRefused();
    if (!ctx.path.startsWith('/oauth2/') && !ctx.path.startsWith('/.well-known/')) throw refusal;
    ctx.status = 400;
    ctx.set('cache-control', 'no-store');
    ctx.body = { error: 'invalid_request', error_description: refusal.message };
  };
}
