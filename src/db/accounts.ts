import type { Knex } from 'knex';
import type { Role } from '../contract/roles.js';
import { withDbErrors } from './errors.js';

// Organizations, users and memberships as the bootstrap and the CLI need them. The resource
// API's own queries build on the same tables.

export interface OrganizationRow {
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_bot: boolean;
  disabled_at: Date | null;
  /** Null until the owner proved control of the email (issue 17): such an account cannot sign in. */
  email_verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Whether the account may sign in or keep a session at all (login page, first-party token API,
 * OAuth): its owner proved the email (and so chose the password; an account made for someone else
 * has none before), and it is not disabled. The password check comes on top where one is sent.
 */
export type SignInState = Pick<UserRow, 'email_verified_at' | 'disabled_at'>;

export function canSignIn(user: SignInState): boolean {
  return user.email_verified_at !== null && user.disabled_at === null;
}

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function countUsers(knex: Knex): Promise<number> {
  const row = await knex('users').count<{ count: number | string }>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

export async function insertOrganization(knex: Knex, input: { name: string }): Promise<OrganizationRow> {
  const [row] = await withDbErrors(() => knex('organizations').insert({ name: input.name }).returning('*'));
  return row as OrganizationRow;
}

export async function findOrganization(knex: Knex, idOrName: string): Promise<OrganizationRow | undefined> {
  const byId = uuidShape.test(idOrName);
  const rows: OrganizationRow[] = await knex('organizations')
    .where(byId ? { id: idOrName } : { name: idOrName })
    .orderBy('created_at')
    .limit(2);
  if (rows.length > 1) throw new Error(`more than one organization is named "${idOrName}"; use its id`);
  return rows[0];
}

export async function findUserByEmail(knex: Knex, email: string): Promise<UserRow | undefined> {
  return knex('users').whereRaw('lower(email) = lower(?)', [email]).first<UserRow | undefined>();
}

/**
 * A new user. `pending` (issue 17): created by someone else for this email, so unusable until its
 * owner follows the activation link; otherwise the creator is the owner or the operator (bootstrap,
 * CLI, an invitation link that proved the email) and the email counts as verified.
 */
export async function insertUser(
  knex: Knex,
  input: { email: string; name?: string; passwordHash: string | null; isBot?: boolean; pending?: boolean },
): Promise<UserRow> {
  const [row] = await withDbErrors(() =>
    knex('users')
      .insert({
        email: input.email,
        name: input.name ?? '',
        password_hash: input.pending ? null : input.passwordHash,
        is_bot: input.isBot ?? false,
        email_verified_at: input.pending ? null : knex.fn.now(),
      })
      .returning('*'),
  );
  return row as UserRow;
}

/** The owner proved the email and chose their password (and name): the account becomes usable. */
export async function activateUser(knex: Knex, userId: string, input: { name: string; passwordHash: string; at: Date }): Promise<void> {
  const count = await knex('users')
    .where({ id: userId })
    .update({ name: input.name, password_hash: input.passwordHash, email_verified_at: input.at, updated_at: knex.fn.now() });
  if (count !== 1) throw new Error(`user ${userId} not found`);
}

export async function insertMembership(knex: Knex, input: { userId: string; organizationId: string; role: Role }): Promise<void> {
  await withDbErrors(() =>
    knex('memberships').insert({ user_id: input.userId, organization_id: input.organizationId, role: input.role }),
  );
}

export interface MembershipRow {
  user_id: string;
  organization_id: string;
  organization_name: string;
  role: Role;
  created_at: Date;
}


/**
 * A user's active memberships, the one they joined first first. A suspended membership
 * (`disabled_at`) is no membership anywhere: not on the consent page, not for a token, not at
 * the API.
 */
export async function listMemberships(knex: Knex, userId: string): Promise<MembershipRow[]> {
  if (!uuidShape.test(userId)) return [];
  return knex('memberships')
    .join('organizations', 'organizations.id', 'memberships.organization_id')
    .where('memberships.user_id', userId)
    .whereNull('memberships.disabled_at')
    .orderBy([{ column: 'memberships.created_at' }, { column: 'memberships.organization_id' }])
    .select('memberships.user_id', 'memberships.organization_id', 'organizations.name as organization_name', 'memberships.role', 'memberships.created_at');
}

/** The role of an active membership, or undefined (none, suspended, or `userId` is no user id). */
export async function findActiveMembershipRole(knex: Knex, organizationId: string, userId: string): Promise<Role | undefined> {
  if (!uuidShape.test(userId)) return undefined;
  const row = await knex('memberships')
    .where({ organization_id: organizationId, user_id: userId })
    .whereNull('disabled_at')
    .first<{ role: Role } | undefined>('role');
  return row?.role;
}

/** The user, or undefined; an id that is not a UUID (a client id as `sub`) is simply unknown. */
export async function findUserById(knex: Knex, id: string): Promise<UserRow | undefined> {
  if (!uuidShape.test(id)) return undefined;
  return knex('users').where({ id }).first<UserRow | undefined>();
}
