import type { AssertedRequest, Identity, IdentitySigner } from '../contract/identity.js';
import type { Caller } from './caller.js';

/**
 * The identity assertion of a request to the resource API (DESIGN.md "Components"): made fresh
 * for every request, bound to its method, path, query and body digest, with a `jti` of its own
 * that the API accepts once (issue 17, finding 8). Assertions used to be reused for ten seconds
 * per caller and target; a used-once `jti` rules that out, and the signer's per-identity cache of
 * serialised claims keeps a fresh one cheap (one HMAC over ~400 bytes per request).
 *
 * A caller without a role scope gets none: it can reach public operations only.
 */
export function createAssertionSigner(sign: IdentitySigner): (identity: Caller['identity'], request: AssertedRequest) => string | undefined {
  return (identity, request) => (identity.role === undefined ? undefined : sign(identity as Identity, request));
}

export type AssertionSigner = ReturnType<typeof createAssertionSigner>;
