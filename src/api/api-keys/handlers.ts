import { isFirstPartyUser } from '../../contract/first-party.js';
import { lowerRole, roleAllows } from '../../contract/roles.js';
import { findActiveMembershipRole } from '../../db/accounts.js';
import { findApiKey, issueApiKey, markApiKeyRevoked, presentApiKey } from '../../db/api-keys.js';
import { revoke } from '../../db/revocations.js';
import { AppError } from '../../shared/errors.js';
import { recordChange } from '../../domain/record-change.js';
import { apiKeyOperations } from '../../contract/operations/api-keys.js';
import { deletedResult, implement, userCallerOf, type Caller, type HandlerInput } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { listKeys } from './queries.js';

const hashSecret = (input: Pick<HandlerInput, 'runtime'>) => input.runtime.secrets.derive('api-key-hash');

/** A key the caller may see: their own, or any of the organization's for an admin. */
async function visibleKey(input: Pick<HandlerInput, 'knex'>, caller: Caller, id: string) {
  const row = await findApiKey(input.knex, caller.identity.org, id);
  if (!row || (row.user_id !== caller.identity.sub && !roleAllows(caller.identity.role, 'admin'))) throw notFound('API key');
  return row;
}

export const apiKeyHandlers = implement(apiKeyOperations, {
  async list(input) {
    const { identity } = userCallerOf(input);
    const page = await listKeys(input.knex, { organizationId: identity.org, userId: identity.sub, includeRevoked: false }, input.query);
    return { data: page.rows.map(presentApiKey), next_cursor: page.nextCursor };
  },

  async organizationList(input) {
    const { identity } = userCallerOf(input);
    const page = await listKeys(
      input.knex,
      { organizationId: identity.org, userId: input.query.user_id, includeRevoked: input.query.include_revoked === 'true' },
      input.query,
    );
    return { data: page.rows.map(presentApiKey), next_cursor: page.nextCursor };
  },

  async fetch(input) {
    return { data: presentApiKey(await visibleKey(input, userCallerOf(input), input.params.id)) };
  },

  async create(input) {
    const caller = userCallerOf(input);
    const { identity } = caller;
    // Issue 17, finding 6: a key outlives any OAuth grant (up to API_KEY_MAX_LIFETIME_DAYS), so a
    // third-party app must not turn the user's short-lived, revocable consent into one. Keys are
    // made with the user's own credentials only: the account page, or the token API.
    if (!isFirstPartyUser(identity)) {
      throw new AppError('first_party_required', 'API keys are created on the account page or with a token from POST /v2/auth/token; an OAuth app\'s token, a service client or an API key cannot create one.');
    }
    const { name, scopes, expiresAt } = input.body;
    const config = input.runtime.config;
    return input.knex.transaction(async (trx) => {
      const memberRole = await findActiveMembershipRole(trx, identity.org, identity.sub);
      if (!memberRole) throw new AppError('forbidden', 'Only members of the organization can create its API keys.');
      // Never more than the creator's role, nor more than the credential making the request.
      const creatorRole = lowerRole(memberRole, identity.role);
      const { row, key } = await issueApiKey(
        trx,
        { organizationId: identity.org, userId: identity.sub, creatorRole, name, scopes, expiresAt: expiresAt ? new Date(expiresAt) : undefined },
        { hashSecret: hashSecret(input), maxLifetimeDays: config.API_KEY_MAX_LIFETIME_DAYS, now: input.runtime.clock.now() },
      );
      await recordChange(trx, caller, { action: 'apiKeys.create', resourceType: 'api_key', resourceId: row.id, changes: { name, scopes: row.scopes, expires_at: row.expires_at } });
      return { data: { ...presentApiKey(row), key } };
    });
  },

  async delete(input) {
    const caller = userCallerOf(input);
    const row = await visibleKey(input, caller, input.params.id);
    const now = input.runtime.clock.now();
    await input.knex.transaction(async (trx) => {
      await markApiKeyRevoked(trx, caller.identity.org, row.id, new Date(now));
      await recordChange(trx, caller, { action: 'apiKeys.delete', resourceType: 'api_key', resourceId: row.id });
    });
    // After the commit: the gateways drop the key within a second.
    const until = row.expires_at?.getTime() ?? now + input.runtime.config.API_KEY_MAX_LIFETIME_DAYS * 86_400_000;
    await revoke({ knex: input.knex, bus: input.runtime.bus }, { kind: 'api_key', subject: row.id, expiresAt: Math.max(until, now + 60_000) });
    return deletedResult(row.id);
  },
});
