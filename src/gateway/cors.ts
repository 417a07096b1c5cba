import type http from 'node:http';
import { visitorSessionClientToken } from '../contract/auth-routes.js';
import { AppError } from '../shared/errors.js';
import type { Caller } from './caller.js';

/**
 * CORS for browser SPAs (DESIGN.md "Who uses it"): only registered origins get CORS headers, and
 * the gateway answers preflights itself. Credentials are bearer tokens, never cookies, so
 * `Access-Control-Allow-Credentials` is never sent.
 * A chat widget's allowed origins (issue 10) are the sites it is embedded in: they get CORS for
 * the calls of that widget's visitors (a visitor token whose `client_id` is the widget), for
 * anonymous calls (the public widget configuration) and for refusals made before a caller is
 * known (an expired token: the widget must read `token_expired` to renew), never for a user's
 * token or an API key. A preflight carries no credential, so any widget's origin passes it.
 */
export type OriginSource = ((origin: string) => boolean | Promise<boolean>) & { widgets?: WidgetOrigins | undefined };

export interface WidgetOrigins {
  /** Whether some widget allows `origin`. */
  anyWidget(origin: string): boolean | Promise<boolean>;
  /** Whether the widget with this client token allows `origin`. */
  ofWidget(origin: string, clientToken: string): boolean | Promise<boolean>;
}

// `last-event-id`: a widget resuming a conversation's event stream with fetch (issue 14).
const allowHeaders = 'authorization, content-type, x-request-id, traceparent, tracestate, last-event-id';
const exposeHeaders = 'ratelimit, ratelimit-policy, retry-after, x-request-id, www-authenticate';

export function createCors(isAllowed: OriginSource, staticOrigins: readonly string[]) {
  const fixed = new Set(staticOrigins);
  const widgets = isAllowed.widgets;
  async function registered(origin: string | undefined): Promise<boolean> {
    if (origin === undefined || origin === 'null') return false;
    return fixed.has(origin) || (await isAllowed(origin));
  }
  async function allowedFor(origin: string | undefined, caller: Caller | undefined): Promise<boolean> {
    if (await registered(origin)) return true;
    if (!widgets || origin === undefined || origin === 'null') return false;
    if (caller === undefined) return widgets.anyWidget(origin);
    const { kind, client_id: clientToken } = caller.identity;
    return kind === 'visitor' && clientToken !== undefined && widgets.ofWidget(origin, clientToken);
  }
  return {
    /**
     * Headers for an actual request from an allowed origin; always `Vary: Origin`. Without
     * `caller`: before (or without) authentication.
     */
    async headersFor(req: http.IncomingMessage, caller?: Caller): Promise<Record<string, string>> {
      const origin = req.headers.origin;
      if (origin === undefined) return {};
      return (await allowedFor(origin, caller))
        ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': exposeHeaders, vary: 'Origin' }
        : { vary: 'Origin' };
    },
    /**
     * For the gateway's own refusals of an auth-server request (429): a widget's sessions path
     * from one of that widget's origins, so the widget reads `Retry-After`. The auth server's
     * answers carry its own CORS headers.
     */
    async headersForAuthPath(req: http.IncomingMessage, path: string): Promise<Record<string, string> | undefined> {
      const origin = req.headers.origin;
      const clientToken = origin === undefined ? undefined : visitorSessionClientToken(path);
      if (clientToken === undefined || !widgets) return undefined;
      return (await widgets.ofWidget(origin!, clientToken))
        ? { 'access-control-allow-origin': origin!, 'access-control-expose-headers': exposeHeaders, vary: 'Origin' }
        : { vary: 'Origin' };
    },
    /** True for a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method). */
    isPreflight(req: http.IncomingMessage): boolean {
      return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
    },
    /** Headers answering a preflight; throws 403 for an origin that is not registered. */
    async preflight(req: http.IncomingMessage, methods: string): Promise<Record<string, string>> {
      const origin = req.headers.origin;
      if (!(await allowedFor(origin, undefined))) throw new AppError('forbidden', 'This origin is not registered for browser access.', { headers: { vary: 'Origin' } });
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
