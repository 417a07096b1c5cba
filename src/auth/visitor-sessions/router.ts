import type { Middleware, ParameterizedContext } from 'koa';
import { visitorSessionClientToken } from '../../contract/auth-routes.js';
import { fieldErrors, validationFailed } from '../../contract/field-errors.js';
import { visitorSessionRequest } from '../../contract/visitor-sessions.js';
import { findSessionWidget } from '../../db/visitor-sessions.js';
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.js';
import { readRawBody } from '../http/form-body.js';
import type { VisitorSessionService } from './service.js';

const exposeHeaders = 'ratelimit, ratelimit-policy, retry-after, x-request-id';

/**
 * `POST /v2/widgets/{clientToken}/sessions` (and un-versioned, seed 002): the widget opens a new
 * visitor with `{}` (201) or resumes one with `{visitor_secret}` (200). Public, but only from one
 * of the widget's `allowed_origins`, spelled exactly as the browser sends `Origin`: anything else
 * (no Origin included) is 403 `origin_not_allowed` and gets no CORS allowance; an allowed origin
 * gets it on every answer, errors too, and on its preflight. Unknown widget: 404. Rate limits per
 * IP and per widget are the gateway's (rate-policies.ts).
 */
export function visitorSessions(deps: { knex: Knex; service: VisitorSessionService }): Middleware {
  return async function visitorSessionRoute(ctx, next) {
    const clientToken = visitorSessionClientToken(ctx.path);
    if (clientToken === undefined) return next();
    ctx.set('cache-control', 'no-store');
    ctx.vary('Origin');
    if (ctx.method !== 'POST' && ctx.method !== 'OPTIONS') {
      throw new AppError('method_not_allowed', `${ctx.method} is not allowed here; open or resume a visitor session with POST.`, { headers: { allow: 'POST, OPTIONS' } });
    }
    const widget = await findSessionWidget(deps.knex, clientToken);
    if (!widget) throw new AppError('not_found', 'No such widget.');
    const origin = ctx.get('origin');
    if (origin === '' || !widget.allowed_origins.includes(origin)) {
      throw new AppError('origin_not_allowed', 'Visitor sessions of this widget open only from its allowed origins (the Origin header).');
    }
    ctx.set('access-control-allow-origin', origin);
    if (ctx.method === 'OPTIONS') {
      ctx.set({ 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type, x-request-id', 'access-control-max-age': '600' });
      ctx.status = 204;
      return;
    }
    ctx.set('access-control-expose-headers', exposeHeaders);
    const { visitor_secret: secret } = await readBody(ctx);
    const data = secret === undefined ? await deps.service.open(widget, ctx.state.requestId) : await deps.service.resume(widget, secret);
    ctx.status = secret === undefined ? 201 : 200;
    ctx.body = { ok: true, data };
  };
}

/** `{}` or `{visitor_secret}` as JSON; an empty body is `{}`. */
async function readBody(ctx: ParameterizedContext): Promise<{ visitor_secret?: string | undefined }> {
  const text = await readRawBody(ctx);
  if (text.trim() === '') return {};
  if (!ctx.is('application/json')) throw new AppError('unsupported_media_type', 'Send the request body as application/json.');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', 'The body is not valid JSON.');
  }
  const result = visitorSessionRequest.safeParse(body, { reportInput: true });
  if (!result.success) throw validationFailed(fieldErrors(result.error));
  return result.data;
}
