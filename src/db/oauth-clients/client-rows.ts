import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { withDbErrors } from '../errors.js';
import type { ClientType } from './client-types.js';
import type { SigningAlg } from '../../contract/signing.js';

export interface ClientRow {
  id: string;
  name: string;
  type: ClientType;
  organization_id: string | null;
  secret_encrypted: string | null;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  allowed_origins: string[];
  max_role: Role;
  signing_alg: SigningAlg;
  /** May introspect the tokens of its organization (issue 17); confidential clients only. */
  resource_server: boolean;
  created_at: Date;
  updated_at: Date;
  secret_rotated_at: Date | null;
}

type Writable = Omit<ClientRow, 'created_at' | 'updated_at' | 'secret_rotated_at'>;
const jsonColumns = ['redirect_uris', 'post_logout_redirect_uris', 'allowed_origins'] as const;

function toDb(values: Partial<Writable>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const column of jsonColumns) if (values[column] !== undefined) out[column] = JSON.stringify(values[column]);
  return out;
}

export async function insertClient(knex: Knex, row: Writable): Promise<ClientRow> {
  const [inserted] = await withDbErrors(() => knex('oauth_clients').insert(toDb(row)).returning('*'));
  return inserted as ClientRow;
}

export async function findClientRow(knex: Knex, id: string): Promise<ClientRow | undefined> {
  return knex('oauth_clients').where({ id }).first<ClientRow | undefined>();
}

export async function listClientRows(knex: Knex, options: { organizationId?: string; limit: number; after?: string }): Promise<ClientRow[]> {
  const query = knex('oauth_clients').orderBy('id').limit(options.limit);
  if (options.organizationId) query.where({ organization_id: options.organizationId });
  if (options.after) query.where('id', '>', options.after);
  return query;
}

export async function updateClientRow(knex: Knex, id: string, values: Partial<Writable> & { secret_rotated_at?: Date }): Promise<ClientRow | undefined> {
  const [row] = await withDbErrors(() => knex('oauth_clients').where({ id }).update({ ...toDb(values), updated_at: knex.fn.now() }).returning('*'));
  return row as ClientRow | undefined;
}

export async function deleteClientRow(knex: Knex, id: string): Promise<boolean> {
  const deleted: unknown[] = await knex('oauth_clients').where({ id }).delete().returning('id');
  return deleted.length === 1;
}

/** Everything the provider stored for a client (codes, tokens, grants) goes with it. */
export async function deleteOidcRowsOfClient(knex: Knex, clientId: string): Promise<string[]> {
  const grants: Array<{ id: string }> = await knex('oidc_models').where({ model: 'Grant', client_id: clientId }).select('id');
  await knex('oidc_models').where({ client_id: clientId }).delete();
  return grants.map((g) => g.id);
}
