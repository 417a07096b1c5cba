import type { Middleware } from 'koa';
import type { RouteTable } from '../../contract/routes.js';
import { AppError } from '../../shared/errors.js';

/** Names the operation of the request (REST `/v2…`, un-versioned, or RPC `/v1/{name}`): 404 or 405 otherwise. */
export function resolveOperation(routes: RouteTable): Middleware {
  return async function resolveOperationStep(ctx, next) {
    const found = routes.match(ctx.method, ctx.path);
    if (found.kind === 'none') throw new AppError('not_found', 'No such route.');
    if (found.kind === 'method_not_allowed') {
      throw new AppError('method_not_allowed', `Use ${found.allow.join(', ')} on this path.`, { headers: { allow: found.allow.join(', ') } });
    }
    ctx.state.call = {
      operation: found.operation,
      kind: found.kind,
      pathParams: found.params,
      rawBody: {},
      bodyWasForm: false,
      params: {},
      query: {},
      body: {},
    };
    await next();
  };
}
