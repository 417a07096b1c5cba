import type http from 'node:http';
import type { RouteMatch, RouteTable } from '../contract/index.js';
import { AppError } from '../shared/errors.js';
import { AuthFailure } from './auth-error.js';
import type { Authenticator } from './authenticate.js';
import type { Caller } from './caller.js';
import { checkRevocation } from './check-revocation.js';
import { enforcePermission } from './enforce-permission.js';
import type { RevocationList } from './revocation-list.js';

/**
 * The decision for an API request, in order: which operation (contract route table, the same one
 * the resource API uses), who is calling, whether that credential was revoked, whether its role
 * may call the operation. Rate limits and forwarding follow in request-handler.ts.
 */
export interface PreparedRequest {
  match: Extract<RouteMatch, { kind: 'rest' | 'rpc' }>;
  caller: Caller | undefined;
  /** Path the assertion is bound to: exactly the forwarded path, no query. */
  path: string;
  /** Query string the assertion is bound to: exactly the forwarded one, without `?`. */
  query: string;
}

export interface DecisionSteps {
  routes: RouteTable;
  authenticate: Authenticator;
  revocations: RevocationList;
}

/**
 * Synchronous (no promise, no microtask) when the credential is cached and the revocation list
 * loaded, which is every request but a credential's first; a promise otherwise. Throws (or
 * rejects) with the refusal.
 */
export function prepareApiRequest(steps: DecisionSteps, req: http.IncomingMessage, path: string, query: string): PreparedRequest | Promise<PreparedRequest> {
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const match = steps.routes.match(method, path);
  if (match.kind === 'none') throw new AppError('not_found', 'No API operation has this path.');
  if (match.kind === 'method_not_allowed') {
    throw new AppError('method_not_allowed', 'The path does not accept this method.', { headers: { allow: match.allow.join(', ') } });
  }
  const cached = steps.authenticate.cached(req.headers.authorization, query, req.rawHeaders);
  if (cached && steps.revocations.loaded) return decide(steps, match, cached, path, query);
  return (async () => {
    const caller = cached ?? (await steps.authenticate(req.headers.authorization, query, req.rawHeaders));
    // A starting gateway enforces nothing it has not loaded yet: the first requests wait for it.
    if (caller && !steps.revocations.loaded) await steps.revocations.ready;
    return decide(steps, match, caller, path, query);
  })();
}

function decide(steps: DecisionSteps, match: PreparedRequest['match'], caller: Caller | undefined, path: string, query: string): PreparedRequest {
  if (!caller && match.operation.role !== 'public') {
    throw new AuthFailure('missing', 'invalid_auth', 'This operation needs an access token or API key in the Authorization header.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  if (caller) checkRevocation(steps.revocations, caller);
  enforcePermission(match, caller);
  return { match, caller, path, query };
}
