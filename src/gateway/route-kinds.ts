import { classifyAuthPath } from '../contract/auth-routes.js';
import { AppError } from '../shared/errors.js';

/**
 * The kinds of request the gateway takes, decided once per request from its method and path
 * (request-handler.ts dispatches on the answer; an upgrade comes through Node's 'upgrade' event):
 *
 * | kind | requests | way through the gateway |
 * |---|---|---|
 * | `builtin` | GET, HEAD `/health` `/ready` `/metrics` | answered by the gateway (builtin-routes.ts) |
 * | `docs` | GET, HEAD `/openapi.json` `/docs` `/docs/…` | per-IP limit, CORS, then the resource API, unauthenticated |
 * | `auth_server` | the contract's auth-server paths, spelled exactly | the route's per-IP limit, then the auth server |
 * | `api` | every other request | CORS (with `Origin`), prepare (route, credential, revocation, permission), limits, assertion, forward |
 * | `websocket` | an upgrade, any path | decided as `api`, then spliced (websocket.ts) |
 *
 * A built-in or docs path asked with another method is an `api` request: the route table answers
 * it (a CORS preflight, 405 or 404). Another spelling of an auth-server path is refused here,
 * before routing and rate limits (issue 17).
 */
export type RouteKind = 'builtin' | 'docs' | 'auth_server' | 'api' | 'websocket';

// Not operations, but the gateway's own routes and the resource API's public documents (src/contract/index.ts).
const fixedPaths: ReadonlyMap<string, 'builtin' | 'docs'> = new Map([
  ['/health', 'builtin'],
  ['/ready', 'builtin'],
  ['/metrics', 'builtin'],
  ['/openapi.json', 'docs'],
  ['/docs', 'docs'],
]);

/** The kind of a plain HTTP request; throws 404 for a misspelt auth-server path. */
export function routeKind(method: string | undefined, path: string): Exclude<RouteKind, 'websocket'> {
  const auth = classifyAuthPath(path);
  if (auth === 'auth') return 'auth_server';
  if (auth === 'refused') throw new AppError('not_found', 'The authorization server has no such path.');
  if (method !== 'GET' && method !== 'HEAD') return 'api';
  return fixedPaths.get(path) ?? (path.startsWith('/docs/') ? 'docs' : 'api');
}
