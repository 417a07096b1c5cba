import type { Middleware } from 'koa';
import { isAllowed } from '../../contract/permission.js';
import { AppError } from '../../shared/errors.js';

/**
 * The permission matrix again, behind the gateway (defence in depth), now exactly: the self rule
 * (seed 001 "(self)" rows) compares the path parameter, or the RPC argument, with the caller.
 */
export function enforcePermission(): Middleware {
  return async function enforcePermissionStep(ctx, next) {
    const { operation, identity, kind, pathParams, rawBody } = ctx.state.call;
    const params = kind === 'rpc' ? rawBody : pathParams;
    if (!isAllowed(operation, identity, params)) {
      const required = operation.role;
      throw new AppError('insufficient_scope', `This operation needs the ${required} scope.`, {
        details: { required_scope: required },
      });
    }
    await next();
  };
}
