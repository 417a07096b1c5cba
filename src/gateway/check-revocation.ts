import { membershipSubject } from '../db/revocations.js';
import { invalidToken } from './auth-error.js';
import type { Caller } from './caller.js';
import type { RevocationList } from './revocation-list.js';

/**
 * Refuses a credential the denylist names: its token id, its grant, its API key, or a cut-off
 * later than the credential's issue time: of its user (everywhere), of its user in its
 * organization, or of its OAuth client (deleted, secret rotated: issue 17), or of its visitor (a
 * visitor token whose sessions were revoked or whose visitor was deleted: issue 10).
 * Runs after the token cache, so a cached token is still checked on every request.
 */
export function checkRevocation(list: RevocationList, caller: Caller): void {
  if (isRevoked(list, caller)) throw invalidToken('revoked', 'The credential has been revoked.');
}

/** The rule of checkRevocation as a question: open live streams are held to it too. */
export function isRevoked(list: RevocationList, caller: Caller): boolean {
  const { identity } = caller;
  return (
    (identity.jti !== undefined && list.isRevoked('token', identity.jti)) ||
    (caller.grantId !== undefined && list.isRevoked('grant', caller.grantId)) ||
    (identity.key_id !== undefined && list.isRevoked('api_key', identity.key_id)) ||
    issuedBeforeCutoff(list, caller)
  );
}

function issuedBeforeCutoff(list: RevocationList, caller: Caller): boolean {
  // An API key has no issue time here; its resolver re-reads the user's role and state.
  const issuedAt = caller.issuedAt;
  if (issuedAt === undefined) return false;
  const { sub, org, client_id: clientId, kind } = caller.identity;
  const before = (notBefore: number | undefined) => notBefore !== undefined && issuedAt < notBefore;
  if (kind === 'visitor') return before(list.notBefore('visitor', sub));
  return before(list.notBefore('user', sub))
    || before(list.notBefore('membership', membershipSubject(org, sub)))
    || (clientId !== undefined && before(list.notBefore('client', clientId)));
}
