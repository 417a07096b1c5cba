import type http from 'node:http';
import { AppError } from '../shared/errors.js';

/**
 * CORS for browser SPAs (DESIGN.md "Who uses it"): only registered origins get CORS headers, and
 * the gateway answers preflights itself. Credentials are bearer tokens, never cookies, so
 * `Access-Control-Allow-Credentials` is never sent.
 */
export type OriginSource = (origin: string) => boolean | Promise<boolean>;

const allowHeaders = 'authorization, content-type, x-request-id, traceparent, tracestate';
const exposeHeaders = 'ratelimit, ratelimit-policy, retry-after, x-request-id, www-authenticate';

export function createCors(isAllowed: OriginSource, staticOrigins: readonly string[]) {
  const fixed = new Set(staticOrigins);
  async function allowed(origin: string | undefined): Promise<boolean> {
    if (origin === undefined || origin === 'null') return false;
    return fixed.has(origin) || (await isAllowed(origin));
  }
  return {
    /** Headers for an actual request from an allowed origin; always `Vary: Origin`. */
    async headersFor(req: http.IncomingMessage): Promise<Record<string, string>> {
      const origin = req.headers.origin;
      if (origin === undefined) return {};
      return (await allowed(origin))
        ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': exposeHeaders, vary: 'Origin' }
        : { vary: 'Origin' };
    },
    /** True for a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method). */
    isPreflight(req: http.IncomingMessage): boolean {
      return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    },
    /** Headers answering a preflight; throws 403 for an origin that is not registered. */
    async preflight(req: http.IncomingMessage, methods: string): Promise<Record<string, string>> {
      const origin = req.headers.origin;
      if (!(await allowed(origin))) throw new AppError('forbidden', 'This origin is not registered for browser access.', { headers: { vary: 'Origin' } });
      return {
        'access-control-allow-origin': origin!,
        'access-control-allow-methods': methods,
        'access-control-allow-headers': allowHeaders,
        'access-control-max-age': '600',
        vary: 'Origin',
      };
    },
  };
}

export type Cors = ReturnType<typeof createCors>;
