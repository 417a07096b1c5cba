import { invalidToken } from './auth-error.js';
import type { Caller } from './caller.js';
import type { RevocationList } from './revocation-list.js';

/**
 * Refuses a credential the denylist names: its token id, its grant, its API key, or a user whose
 * "not before" is later than the credential's issue time (disabled, demoted, password reset).
 * Runs after the token cache, so a cached token is still checked on every request.
 */
export function checkRevocation(list: RevocationList, caller: Caller): void {
  const { identity } = caller;
  const revoked =
    (identity.jti !== undefined && list.isRevoked('token', identity.jti)) ||
    (caller.grantId !== undefined && list.isRevoked('grant', caller.grantId)) ||
    (identity.key_id !== undefined && list.isRevoked('api_key', identity.key_id)) ||
    isBeforeUserCutoff(list, caller);
  if (revoked) throw invalidToken('revoked', 'The credential has been revoked.');
}

function isBeforeUserCutoff(list: RevocationList, caller: Caller): boolean {
  const notBefore = list.userNotBefore(caller.identity.sub);
  if (notBefore === undefined) return false;
  // An API key has no issue time here; its resolver re-reads the user's role and state.
  return caller.issuedAt !== undefined && caller.issuedAt < notBefore;
}
