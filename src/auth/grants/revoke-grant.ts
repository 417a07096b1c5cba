import type { Knex } from 'knex';
import type { EventBus } from '../../shared/bus.js';
import type { Clock } from '../../shared/clock.js';
import type { Config } from '../../shared/config/index.js';
import { revocationLifetimeMs, revoke } from '../../db/revocations.js';
import { revokeRefreshFamiliesOfUser } from '../token-api/refresh-token-rows.js';
import { deleteRowsOfGrant, deleteSessionsOfAccount, grantIdsOfAccount } from '../storage/oidc-rows.js';

export interface RevocationDeps {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  config: Config;
}


/** Publishes the revocation of a grant whose stored rows the provider already deleted. */
export async function announceGrantRevoked(deps: RevocationDeps, grantId: string): Promise<void> {
  await revoke(deps, { kind: 'grant', subject: grantId, expiresAt: deps.clock.now() + revocationLifetimeMs(deps.config) });
}

/** Deletes every code, token and the consent of a grant, then tells every gateway. */
export async function revokeGrant(deps: RevocationDeps, grantId: string): Promise<void> {
  await deleteRowsOfGrant(deps.knex, grantId);
  await announceGrantRevoked(deps, grantId);
}

/** Revokes one JWT access token by `jti` (RFC 7009 for a token that is not stored). */
export async function revokeAccessToken(deps: RevocationDeps, jti: string, expiresAt: number): Promise<void> {
  await revoke(deps, { kind: 'token', subject: jti, expiresAt: expiresAt + 60_000 });
}

/**
 * A disabled account (issue 3), or a password reset (issue 18): every grant and session is deleted, so no refresh token or login
 * works again, and every access token issued before now is refused at the gateway. The operator's
 * `gatehouse user disable` calls this after setting `users.disabled_at`; an organization disables
 * a member only there (api/members/service.ts, a membership cut-off).
 */
export async function revokeEverythingOfUser(deps: RevocationDeps, userId: string): Promise<void> {
  for (const grantId of await grantIdsOfAccount(deps.knex, userId)) await deleteRowsOfGrant(deps.knex, grantId);
  await deleteSessionsOfAccount(deps.knex, userId);
  const now = deps.clock.now();
  // The seed-001 token API's refresh tokens too (issue 18: a password reset must end them; a
  // disabled user's were refused only because the user could not sign in).
  await revokeRefreshFamiliesOfUser(deps.knex, userId, new Date(now));
  await revoke(deps, { kind: 'user', subject: userId, notBefore: now, expiresAt: now + revocationLifetimeMs(deps.config) });
}
