import type { Knex } from 'knex';
import type { AdapterPayload } from 'oidc-provider';

// The queries behind the oidc-provider adapter: one table, one row per (model, id).

interface OidcRow {
  payload: AdapterPayload;
  consumed_at: Date | null;
  expires_at: Date | null;
  organization_id: string | null;
}

// The two statements of every grant (a refresh token stored, a code or refresh token consumed),
// written out: the query builder's compiling was a visible share of a grant's CPU.
const UPSERT = `
insert into oidc_models (model, id, payload, grant_id, uid, user_code, account_id, client_id, expires_at)
values (?, ?, ?, ?, ?, ?, ?, ?, ?)
on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
  user_code = excluded.user_code, account_id = excluded.account_id, client_id = excluded.client_id, expires_at = excluded.expires_at`;
const CONSUME = 'update oidc_models set consumed_at = ? where model = ? and id = ? and consumed_at is null returning grant_id';

export async function upsertRow(knex: Knex, model: string, id: string, payload: AdapterPayload, expiresAt: Date | null): Promise<void> {
  await knex.raw(UPSERT, [
    model, id, JSON.stringify(payload), payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null,
    payload.accountId ?? null, payload.clientId ?? null, expiresAt,
  ]);
}

/**
 * The payload, with `consumed` set from the column so a concurrent consume is always seen, and
 * the organization a grant was consented for (null for every other model).
 */
export async function findRow(
  knex: Knex,
  model: string,
  where: { id?: string; uid?: string; user_code?: string },
  now: Date,
): Promise<{ payload: AdapterPayload; organizationId: string | null } | undefined> {
  const row = await knex('oidc_models')
    .where({ model, ...where })
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
    .first<OidcRow | undefined>('payload', 'consumed_at', 'expires_at', 'organization_id');
  if (!row) return undefined;
  const payload = row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
  return { payload, organizationId: row.organization_id };
}

/**
 * Marks the row consumed only if nobody did before: of many concurrent calls exactly one gets
 * `true`; the others learn the grant id so the caller can revoke it (RFC 6749 §4.1.2, §10.4).
 */
export async function consumeRow(knex: Knex, model: string, id: string, now: Date): Promise<{ consumed: boolean; grantId: string | undefined }> {
  const { rows: updated }: { rows: Array<{ grant_id: string | null }> } = await knex.raw(CONSUME, [now, model, id]);
  if (updated.length === 1) return { consumed: true, grantId: updated[0]!.grant_id ?? undefined };
  const row = await knex('oidc_models').where({ model, id }).first<{ grant_id: string | null } | undefined>('grant_id');
  return { consumed: false, grantId: row?.grant_id ?? undefined };
}

export async function deleteRow(knex: Knex, model: string, id: string): Promise<void> {
  await knex('oidc_models').where({ model, id }).delete();
}

export async function deleteRowsOfModelAndGrant(knex: Knex, model: string, grantId: string): Promise<void> {
  await knex('oidc_models').where({ model, grant_id: grantId }).delete();
}

export async function deleteRowsOfGrant(knex: Knex, grantId: string): Promise<number> {
  return knex('oidc_models').where({ grant_id: grantId }).orWhere({ model: 'Grant', id: grantId }).delete();
}

export async function deleteExpiredRows(knex: Knex, now: Date): Promise<number> {
  return knex('oidc_models').where('expires_at', '<=', now).delete();
}

/** Set once when the user consents for an organization; the access-token `org` claim comes from it. */
export async function setGrantOrganization(knex: Knex, grantId: string, organizationId: string): Promise<void> {
  const count = await knex('oidc_models').where({ model: 'Grant', id: grantId }).update({ organization_id: organizationId });
  if (count !== 1) throw new Error(`grant ${grantId} not found`);
}

export async function findGrantOrganization(knex: Knex, grantId: string): Promise<string | undefined> {
  const row = await knex('oidc_models').where({ model: 'Grant', id: grantId }).first<{ organization_id: string | null } | undefined>('organization_id');
  return row?.organization_id ?? undefined;
}

export interface GrantSummary {
  grantId: string;
  clientId: string;
  organizationId: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  payload: AdapterPayload;
}

/** The live grants of one user: the "apps you authorized" of the account page. */
export async function listGrantsOfAccount(knex: Knex, accountId: string, now: Date): Promise<GrantSummary[]> {
  const rows: Array<{ id: string; client_id: string; organization_id: string | null; created_at: Date; expires_at: Date | null; payload: AdapterPayload }> =
    await knex('oidc_models')
      .where({ model: 'Grant', account_id: accountId })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .orderBy('created_at', 'desc');
  return rows.map((r) => ({ grantId: r.id, clientId: r.client_id, organizationId: r.organization_id, createdAt: r.created_at, expiresAt: r.expires_at, payload: r.payload }));
}

/** The most recent live grant of a user for a client: consent is remembered across sessions. */
export async function findLatestGrantId(knex: Knex, accountId: string, clientId: string, now: Date): Promise<string | undefined> {
  const row = await knex('oidc_models')
    .where({ model: 'Grant', account_id: accountId, client_id: clientId })
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
    .orderBy('created_at', 'desc')
    .first<{ id: string } | undefined>('id');
  return row?.id;
}

export async function grantIdsOfAccount(knex: Knex, accountId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await knex('oidc_models').where({ model: 'Grant', account_id: accountId }).select('id');
  return rows.map((r) => r.id);
}

/** Every login session of a user, so a disabled user is signed out everywhere. */
export async function deleteSessionsOfAccount(knex: Knex, accountId: string): Promise<number> {
  return knex('oidc_models').where({ model: 'Session', account_id: accountId }).delete();
}
