import type { Middleware } from 'koa';
import type { Handler } from '../handler.js';
import type { Runtime } from '../../shared/runtime.js';
import { AppError } from '../../shared/errors.js';

/** Runs the operation's handler and writes the `{"ok":true,…}` envelope (seed 000). */
export function dispatch(runtime: Runtime, handlers: ReadonlyMap<string, Handler>): Middleware {
  return async function dispatchStep(ctx) {
    const call = ctx.state.call;
    const handler = handlers.get(call.operation.name);
    if (!handler) throw new AppError('not_found', 'This operation is not served by this resource API.', { status: 501 });
    const result = await handler({
      runtime,
      knex: runtime.db.knex,
      operation: call.operation,
      identity: call.identity,
      requestId: ctx.state.requestId,
      params: call.params,
      query: call.query,
      body: call.body,
    });
    ctx.status = call.operation.successStatus ?? 200;
    if ('raw' in result) {
      ctx.body = result.raw;
      return;
    }
    ctx.body = call.operation.list ? { ok: true, data: result.data, next_cursor: result.next_cursor ?? null } : { ok: true, data: result.data };
  };
}
