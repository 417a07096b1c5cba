import type { Middleware } from 'koa';
import { classifyAuthPath } from '../../contract/auth-routes.js';
import { AppError } from '../../shared/errors.js';

/**
 * Serves only the auth-server paths of the contract's table, spelled exactly (issue 17, finding
 * 1): oidc-provider's router and ours match case-insensitively and forgive a trailing slash, so
 * `/oauth2/TOKEN` or `/oauth2/token/` would reach the token endpoint past every step keyed on
 * its path. The gateway refuses the same variants; this holds when `--role auth` runs without it.
 * The refusal is the gateway's: 404 `not_found` in the JSON envelope.
 */
export function canonicalPathsOnly(): Middleware {
  return async function refuseNonCanonicalPath(ctx, next) {
    if (classifyAuthPath(ctx.path) !== 'auth') throw new AppError('not_found', 'The authorization server has no such path.');
    await next();
  };
}
