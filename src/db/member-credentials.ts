import type { Knex } from 'knex';

// What one user holds in one organization, beyond its membership row (issue 17): API keys made
// there and OAuth grants consented for it. Disabling, demoting or removing the member ends them;
// the user's keys and grants of other organizations are not this organization's to end.

/** Marks the member's live keys of the organization revoked; returns them (id, expiry). */
/** The ids of every API key of an organization (to announce their end when it is deleted). */
export async function apiKeyIdsOfOrganization(knex: Knex, organizationId: string): Promise<string[]> {
  return (await knex('api_keys').where({ organization_id: organizationId }).pluck('id')) as string[];
}

export async function revokeApiKeysOfMember(
  knex: Knex, organizationId: string, userId: string, at: Date,
): Promise<Array<{ id: string; expires_at: Date | null }>> {
  return (await knex('api_keys')
    .where({ organization_id: organizationId, user_id: userId })
    .whereNull('revoked_at')
    .update({ revoked_at: at })
    .returning(['id', 'expires_at'])) as Array<{ id: string; expires_at: Date | null }>;
}

/**
 * Deletes the member's OAuth grants consented for the organization with every code, token and
 * session row of them (oidc-provider's storage, `oidc_models`); returns the grant ids.
 */
export async function deleteGrantsOfMember(knex: Knex, organizationId: string, userId: string): Promise<string[]> {
  const ids = (await knex('oidc_models')
    .where({ model: 'Grant', account_id: userId, organization_id: organizationId })
    .pluck('id')) as string[];
  if (ids.length === 0) return [];
  await knex('oidc_models').whereIn('grant_id', ids).delete();
  await knex('oidc_models').where({ model: 'Grant' }).whereIn('id', ids).delete();
  return ids;
}
