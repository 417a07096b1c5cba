import type { Knex } from 'knex';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../shared/clock.js';
import { consumeRow, deleteRow, deleteRowsOfModelAndGrant, findRow, upsertRow } from './oidc-rows.js';
import { findGrantSource, GRANT_SOURCE_MODELS } from './grant-source-rows.js';
import { rememberGrantOrganization, rememberGrantSource, takeRememberedGrant } from './request-grants.js';

export interface AdapterDeps {
  knex: Knex;
  clock: Clock;
  /** Client metadata for the provider, from the `oauth_clients` table. */
  findClient(clientId: string): Promise<AdapterPayload | undefined>;
  /** A code or refresh token was presented twice: the whole grant goes (RFC 6749 §10.4, §10.5). */
  onReplay(grantId: string): Promise<void>;
  /**
   * The provider revokes a grant's access tokens (revocation of a refresh token, a replayed code,
   * a deleted grant). Ours are JWTs it never stored, so they die by `gid` at the gateway; this is
   * awaited before the provider answers, so the revocation is recorded when the client hears 200.
   */
  onAccessTokensRevoked(grantId: string): Promise<void>;
}

// Human-readable labels for the replay error, as the provider words its own.
const consumableLabel: Record<string, string> = {
  AuthorizationCode: 'authorization code already consumed',
  RefreshToken: 'invalid refresh token',
};

/**
 * oidc-provider's storage contract, one method to one query (logto's `oidc/adapter.ts`). Finding
 * a code or refresh token also reads its grant, user and membership in the same statement, for
 * the rest of the request (request-grants.ts).
 */
export function createAdapterFactory(deps: AdapterDeps): (model: string) => Adapter {
  const { knex, clock } = deps;
  const now = () => new Date(clock.now());

  return (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      if (model === 'Client') throw new Error('clients are managed by `gatehouse client`, not by the provider');
      const expiresAt = expiresIn ? new Date(clock.now() + expiresIn * 1000) : null;
      await upsertRow(knex, model, id, payload, expiresAt);
    },
    async find(id) {
      if (model === 'Client') return deps.findClient(id);
      if (GRANT_SOURCE_MODELS.has(model)) {
        const read = await findGrantSource(knex, model, id, now());
        if (read?.grantId) rememberGrantSource({ ...read, grantId: read.grantId });
        return read?.payload;
      }
      if (model === 'Grant') {
        const remembered = takeRememberedGrant(id);
        if (remembered) return remembered;
      }
      const row = await findRow(knex, model, { id }, now());
      if (row?.organizationId) rememberGrantOrganization(id, row.organizationId);
      return row?.payload;
    },
    async findByUid(uid) {
      return (await findRow(knex, model, { uid }, now()))?.payload;
    },
    async findByUserCode(userCode) {
      return (await findRow(knex, model, { user_code: userCode }, now()))?.payload;
    },
    async consume(id) {
      const result = await consumeRow(knex, model, id, now());
      if (result.consumed) return;
      // Lost a race with another redemption of the same value: this one is the replay.
      if (result.grantId) await deps.onReplay(result.grantId);
      throw new errors.InvalidGrant(consumableLabel[model] ?? 'grant source already consumed');
    },
    async destroy(id) {
      await deleteRow(knex, model, id);
    },
    async revokeByGrantId(grantId) {
      await deleteRowsOfModelAndGrant(knex, model, grantId);
      if (model === 'AccessToken') await deps.onAccessTokensRevoked(grantId);
    },
  });
}
