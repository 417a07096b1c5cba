import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { canSignIn, findUserByEmail, listMemberships, type MembershipRow, type UserRow } from '../../db/accounts.js';
import { revoke } from '../../db/revocations.js';
import type { EventBus } from '../../shared/bus.js';
import type { Clock } from '../../shared/clock.js';
import type { Config } from '../../shared/config/index.js';
import { sha256 } from '../../shared/digest.js';
import { AppError } from '../../shared/errors.js';
import { verifyPassword } from '../../shared/password.js';
import type { AccessTokenClaims, AccessTokenVerifier } from '../tokens/verify-access-token.js';
import type { AccessTokenSigner } from './access-tokens.js';
import {
  consumeRefreshToken, findRefreshToken, findRefreshTokenForBearer, findRefreshTokenWithHolder, insertRefreshToken, revokeRefreshFamily, rotateRefreshToken,
  type RefreshTokenHolder, type RefreshTokenRow,
} from './refresh-token-rows.js';

/** Seed 001's response, field for field. */
export interface TokenResponse {
  tokenType: 'Bearer';
  token: string;
  refreshToken: string;
  user: string;
  scope: string;
}

export interface TokenServiceDeps {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  config: Config;
  signer: AccessTokenSigner;
  /** The auth server's verifier of our JWT access tokens (signature, claims, expiry, revocation). */
  verifyAccessToken: AccessTokenVerifier;
}

const badCredentials = () => new AppError('invalid_credentials', 'The email or password is not correct.');
const invalidBearer = () => new AppError('invalid_auth', 'The access token is not valid.', { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
const badRefreshToken = () => new AppError('invalid_refresh_token', 'The refresh token is invalid, expired or already used.');
// Seed 001: `<user id>.<random>`; 40 random bytes as 80 hex characters, as in the seed's example.
const refreshTokenShape = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-f]{80})$/;

export function createTokenService(deps: TokenServiceDeps) {
  const { knex, clock, config } = deps;

  const newRefreshToken = (userId: string) => {
    const refreshToken = `${userId}.${randomBytes(40).toString('hex')}`;
    return { refreshToken, secretHash: sha256(refreshToken), expiresAt: new Date(clock.now() + config.REFRESH_TOKEN_TTL_SECONDS * 1000) };
  };

  async function respond(grant: { userId: string; organizationId: string; role: Role; familyId: string }, refreshToken: string): Promise<TokenResponse> {
    const { token } = await deps.signer.sign(grant);
    return { tokenType: 'Bearer', token, refreshToken, user: grant.userId, scope: grant.role };
  }

  async function issue(user: UserRow, membership: MembershipRow, familyId: string): Promise<TokenResponse> {
    const next = newRefreshToken(user.id);
    await insertRefreshToken(knex, { familyId, userId: user.id, organizationId: membership.organization_id, secretHash: next.secretHash, expiresAt: next.expiresAt });
    return respond({ userId: user.id, organizationId: membership.organization_id, role: membership.role, familyId }, next.refreshToken);
  }

  /** Kills a family: its refresh tokens here, its access tokens at every gateway. */
  async function revokeFamily(familyId: string): Promise<void> {
    const now = clock.now();
    await revokeRefreshFamily(knex, familyId, new Date(now));
    await revoke({ knex, bus: deps.bus }, { kind: 'grant', subject: familyId, expiresAt: now + config.TIME_BASED_TOKEN_TTL_SECONDS * 1000 + 60_000 });
  }

  /**
   * Consumes a refresh token and issues the next one of its family. A consumed token seen again
   * means it was copied: the family is revoked (OAuth 2.0 Security BCP §4.14.2). Two statements
   * when all is well: the token with its user and membership, then the consume and the next
   * token together.
   */
  async function rotate(
    refreshToken: string,
    check: (row: RefreshTokenRow, holder: RefreshTokenHolder) => void,
    bearer?: AccessTokenClaims,
  ): Promise<TokenResponse> {
    if (!refreshTokenShape.test(refreshToken)) throw badRefreshToken();
    const hash = sha256(refreshToken);
    const now = new Date(clock.now());
    let found;
    if (bearer) {
      const read = await findRefreshTokenForBearer(knex, hash, bearer, now);
      if (read.bearerRevoked) throw invalidBearer();
      found = read.found;
    } else {
      found = await findRefreshTokenWithHolder(knex, hash);
    }
    if (!found) throw badRefreshToken();
    const { token: row, holder } = found;
    check(row, holder);
    const allowed = canSignIn(holder) && holder.role !== null;
    const next = newRefreshToken(row.user_id);
    const consumed = allowed
      ? await rotateRefreshToken(knex, { secretHash: hash, nextSecretHash: next.secretHash, now, nextExpiresAt: next.expiresAt })
      : await consumeRefreshToken(knex, hash, now);
    if (!consumed) {
      if (row.consumed_at !== null || (await findRefreshToken(knex, hash))?.consumed_at) {
        if (row.family_revoked_at === null) await revokeFamily(row.family_id);
      }
      throw badRefreshToken();
    }
    if (!allowed) {
      await revokeFamily(consumed.family_id);
      throw badRefreshToken();
    }
    return respond({ userId: row.user_id, organizationId: consumed.organization_id, role: holder.role!, familyId: consumed.family_id }, next.refreshToken);
  }

  /** Refuses a Bearer that is not a current, unrevoked access token: expired (seed 001) or invalid. */
  async function refuseBearer(bearer: string): Promise<void> {
    if (await deps.verifyAccessToken(bearer)) return;
    // Seed 001: after expiry, refresh with POST and the clientId instead.
    if (await deps.verifyAccessToken(bearer, { ignoreExpiry: true })) {
      throw new AppError('token_expired', 'The access token has expired; refresh it with POST /v2/auth/token and the clientId.', {
        status: config.GATEWAY_EXPIRED_TOKEN_STATUS,
      });
    }
    throw invalidBearer();
  }

  return {
    /** `POST /v2/auth/token {email, password, organization?}`. */
    async signIn(input: { email: string; password: string; organization?: string | undefined }): Promise<TokenResponse> {
      const user = await findUserByEmail(knex, input.email);
      // Same work (one argon2 verification) whether or not the user exists, is disabled or is
      // still pending activation by its owner (issue 17).
      const passwordOk = await verifyPassword(user?.password_hash, input.password);
      if (!user || !passwordOk || !canSignIn(user)) throw badCredentials();
      const memberships = await listMemberships(knex, user.id);
      const membership = input.organization ? memberships.find((m) => m.organization_id === input.organization) : memberships[0];
      if (!membership) {
        if (input.organization) throw new AppError('forbidden', 'You are not a member of that organization.');
        throw badCredentials();
      }
      return issue(user, membership, randomUUID());
    },

    /** `POST /v2/auth/token {refreshToken, clientId}`: after expiry, no Authorization header. */
    refreshWithClientId(refreshToken: string, clientId: string): Promise<TokenResponse> {
      return rotate(refreshToken, (_row, holder) => {
        if (holder.email.toLowerCase() !== clientId.toLowerCase()) throw badRefreshToken();
      });
    },

    /** `GET /v2/auth/token?refreshToken=…` with the current, unexpired token as Bearer. */
    async refreshWithBearer(refreshToken: string, bearer: string): Promise<TokenResponse> {
      // The Bearer's signature, claims and expiry here; whether it is revoked is asked in the same
      // statement that reads the refresh token (rotate). When either fails here, the Bearer gets
      // the full check first, so its refusal comes before the refresh token's, as it always did.
      const claims = refreshTokenShape.test(refreshToken) ? await deps.verifyAccessToken(bearer, { skipRevocation: true }) : undefined;
      if (!claims) {
        await refuseBearer(bearer);
        throw badRefreshToken();
      }
      return rotate(refreshToken, (row) => {
        if (claims.sub !== row.user_id || claims.gid !== row.family_id) throw badRefreshToken();
      }, claims);
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
