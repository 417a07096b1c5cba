import type { Knex } from 'knex';
import type { AdapterPayload } from 'oidc-provider';
import type { Role } from '../../contract/roles.js';
import type { GrantAccount } from './request-grants.js';

/** Models a token request redeems: what it reads first, and all its grant needs comes with it. */
export const GRANT_SOURCE_MODELS = new Set(['AuthorizationCode', 'RefreshToken']);

export interface GrantSourceRead {
  payload: AdapterPayload;
  grantId: string | undefined;
  /** The live grant the code or token belongs to, if any. */
  grant: AdapterPayload | undefined;
  organizationId: string | null;
  accountId: string | undefined;
  /** The user the code or token was issued to, whatever their state (findAccount judges). */
  account: GrantAccount | undefined;
  /** Their active membership's role in the grant's organization. */
  role: Role | undefined;
}

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
  grant_id: string | null;
  account_id: string | null;
  grant_payload: AdapterPayload | null;
  grant_organization_id: string | null;
  user_id: string | null;
  user_email: string | null;
  user_name: string | null;
  user_disabled_at: Date | null;
  user_email_verified_at: Date | null;
  membership_role: Role | null;
}

// One statement for what the provider asks in four (the code or refresh token, its grant, its
// user, and, when it shapes the access token, the user's membership role in the grant's
// organization). A `sub` that is no UUID (never one of ours) joins no user instead of failing
// the cast. Expired rows are invisible, as in findRow.
const SQL = `
select s.payload, s.consumed_at, s.grant_id, s.account_id,
  g.payload as grant_payload, g.organization_id as grant_organization_id,
  u.id as user_id, u.email as user_email, u.name as user_name, u.disabled_at as user_disabled_at, u.email_verified_at as user_email_verified_at,
  m.role as membership_role
from oidc_models s
left join oidc_models g on g.model = 'Grant' and g.id = s.grant_id and (g.expires_at is null or g.expires_at > ?)
left join users u on u.id = (case when s.account_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then s.account_id::uuid end)
left join memberships m on m.organization_id = g.organization_id and m.user_id = u.id and m.disabled_at is null
where s.model = ? and s.id = ? and (s.expires_at is null or s.expires_at > ?)
limit 1`;

export async function findGrantSource(knex: Knex, model: string, id: string, now: Date): Promise<GrantSourceRead | undefined> {
  const result: { rows: Row[] } = await knex.raw(SQL, [now, model, id, now]);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    payload: row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload,
    grantId: row.grant_id ?? undefined,
    grant: row.grant_payload ?? undefined,
    organizationId: row.grant_organization_id,
    accountId: row.account_id ?? undefined,
    account: row.user_id
      ? { id: row.user_id, email: row.user_email!, name: row.user_name ?? '', disabled_at: row.user_disabled_at, email_verified_at: row.user_email_verified_at }
      : undefined,
    role: row.membership_role ?? undefined,
  };
}
