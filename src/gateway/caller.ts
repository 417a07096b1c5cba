import type { Identity } from '../contract/identity.js';
import type { Role } from '../contract/roles.js';

/**
 * Who the gateway established is calling. `role` is undefined when the credential carries no role
 * scope (e.g. an `openid profile` token meant for userinfo): such a caller is authenticated but
 * may call no role-protected operation.
 */
export interface Caller {
  readonly identity: Omit<Identity, 'role'> & { role: Role | undefined };
  /** Revocation subjects: the grant id (`gid`) of a token. */
  readonly grantId?: string | undefined;
  /** Issued-at of the credential, ms; compared with a user's "not before". */
  readonly issuedAt?: number | undefined;
  /** Expiry of the credential, ms. */
  readonly expiresAt?: number | undefined;
}
