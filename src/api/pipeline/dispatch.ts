import type { Middleware } from 'koa';
import { z } from 'zod';
import type { Operation } from '../../contract/operation.js';
import { fieldErrors } from '../../contract/field-errors.js';
import type { Handler } from '../handler.js';
import type { Runtime } from '../../shared/runtime.js';
import { AppError } from '../../shared/errors.js';
import { OUTBOX_CHANNEL } from '../../db/outbox-reads.js';
import type { OutboxTail } from '../live/tail.js';

/**
 * Runs the operation's handler and writes the `{"ok":true,…}` envelope (seed 000). Outside
 * production every answer is parsed with the operation's documented response schema first, so
 * the whole test suite checks the OpenAPI document against what the handlers really answer
 * (issue 9); a mismatch is a 500 naming the fields, never a silent drift. After a write, every
 * process's outbox tail is woken on the bus: the write's transaction has committed by then, so
 * its events are there to read (live streams, DESIGN.md "Real-time").
 */
export function dispatch(runtime: Runtime, handlers: ReadonlyMap<string, Handler>, events: OutboxTail): Middleware {
  const checkResponses = runtime.config.NODE_ENV !== 'production';
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
      headers: ctx.headers,
      events,
      params: call.params,
      query: call.query,
      body: call.body,
    });
    if ('notModified' in result && ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      // RFC 9110 §13.1.2: a matching If-None-Match on any other method (an RPC call is a POST) is
      // 412, never 304: a POST answer is no cached copy to revalidate. The ETag says which
      // version matched; nothing here may be cached.
      const etag = result.headers?.etag;
      throw new AppError('precondition_failed', 'If-None-Match matches the current version; use GET for a conditional read (304), or drop the header.', {
        headers: etag === undefined ? {} : { etag },
      });
    }
    if (result.headers) ctx.set(result.headers);
    if (call.operation.method !== 'GET') void runtime.bus.publish(OUTBOX_CHANNEL, {}).catch(() => {});
    if ('stream' in result) {
      const { stream } = result;
      // Written as events come: no compression or buffering; ends when the client goes away.
      ctx.req.socket.setTimeout(0);
      ctx.req.on('close', () => stream.end());
      ctx.status = 200;
      ctx.body = stream;
      return;
    }
    if ('notModified' in result) {
      ctx.status = 304;
      return;
    }
    ctx.status = call.operation.successStatus ?? 200;
    if ('raw' in result) {
      if (checkResponses) checkResponse(call.operation, result.raw);
      ctx.body = result.raw;
      return;
    }
    if (checkResponses) checkResponse(call.operation, result.data);
    ctx.body = call.operation.list ? { ok: true, data: result.data, next_cursor: result.next_cursor ?? null } : { ok: true, data: result.data };
  };
}

function checkResponse(operation: Operation, data: unknown): void {
  if (!operation.response) return;
  const schema = operation.list ? z.array(operation.response) : operation.response;
  const result = schema.safeParse(data);
  if (result.success) return;
  const fields = fieldErrors(result.error).slice(0, 5).map(({ field, message }) => `${field}: ${message}`);
  throw new Error(`${operation.name} answered outside its documented response schema: ${fields.join('; ')}`);
}
