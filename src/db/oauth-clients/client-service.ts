import { hkdfSync, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Role } from '../../contract/roles.js';
import { fieldErrors, fieldRefused, validationFailed } from '../../contract/field-errors.js';
import { AppError } from '../../shared/errors.js';
import type { Secrets } from '../../shared/secrets.js';
import { cutOffDeletedClient, cutOffRotatedClient, type ClientCutoffDeps } from './client-cutoff.js';
import { CLIENTS_CHANNEL } from './client-events.js';
import { decryptWithAny, encryptString } from './encryption.js';
import { deleteClientRow, deleteOidcRowsOfClient, findClientRow, insertClient, listClientRows, updateClientRow, type ClientRow } from './client-rows.js';
import { canBeResourceServer, hasSecret, type ClientType, type OAuthClient } from './client-types.js';
import { clientFields, createClientFields, withClientDefaults } from '../../contract/oauth-client.js';
import { redirectUriProblem } from './redirect-uris.js';

export interface ClientServiceDeps {
  knex: Knex;
  secrets: Secrets;
  publicUrl: string;
  /** Deleting a client or rotating its secret stops its tokens at every gateway (client-cutoff.ts). */
  cutoff: ClientCutoffDeps;
}

/** The contract's client fields (contract/oauth-client.ts), plus the organization a creation is for. */
export const createClientInput = z.object({ ...createClientFields, organization_id: z.uuid().nullable().optional() }).transform(withClientDefaults);
export type CreateClientInput = z.input<typeof createClientInput>;

/**
 * PATCH semantics (issue 17, finding 7): an omitted field keeps its stored value. The fields have
 * no create defaults: zod applies a default even inside `.partial()`.
 */
export const updateClientInput = z.object(clientFields).partial();
export type UpdateClientInput = z.input<typeof updateClientInput>;

// A service client acts for itself; by default it may act as a bot (seed 003 integrations).
const defaultMaxRole = (type: ClientType): Role => (type === 'service' ? 'bot' : 'admin');

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw validationFailed(fieldErrors(result.error));
  return result.data;
}

function checkUris(type: ClientType, publicUrl: string, values: { redirect_uris?: string[]; post_logout_redirect_uris?: string[]; allowed_origins?: string[] }): void {
  if (type === 'service') {
    if ((values.redirect_uris ?? []).length > 0) throw fieldRefused('redirect_uris', 'a service client uses client credentials and has no redirect URIs');
    return;
  }
  for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    for (const uri of values[field] ?? []) {
      const problem = redirectUriProblem(uri, type, publicUrl);
      if (problem) throw fieldRefused(field, problem);
    }
  }
  for (const origin of values.allowed_origins ?? []) {
    let parsed: URL | undefined;
    try { parsed = new URL(origin); } catch { /* reported below */ }
    if (!parsed || parsed.origin !== origin) throw fieldRefused('allowed_origins', `"${origin}" is not an origin (scheme://host[:port])`);
  }
}

function checkResourceServer(type: ClientType, resourceServer: boolean | undefined): void {
  if (resourceServer && !canBeResourceServer(type)) {
    throw fieldRefused('resource_server', `a ${type} client is public and cannot authenticate to introspect tokens`);
  }
}

// A subkey of the key-encryption key, so client secrets and signing keys never share a key.
export const clientSecretKey = (kek: Buffer) => Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), 'gatehouse/client-secret', 32));

function secretKey(secrets: Secrets): Buffer {
  return clientSecretKey(secrets.derive('signing-key-encryption'));
}

/** Keys a stored client secret may be sealed with (more than one during a root-secret rotation). */
export function clientSecretKeys(secrets: Secrets): Buffer[] {
  return secrets.accepted('signing-key-encryption').map(clientSecretKey);
}

export function toClient(row: ClientRow): OAuthClient {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    organizationId: row.organization_id,
    redirectUris: row.redirect_uris,
    postLogoutRedirectUris: row.post_logout_redirect_uris,
    allowedOrigins: row.allowed_origins,
    maxRole: row.max_role,
    signingAlg: row.signing_alg,
    resourceServer: row.resource_server,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Registered clients: used by the CLI, the admin API and the provider's adapter. */
export function createClientService(deps: ClientServiceDeps) {
  const { knex, secrets, publicUrl } = deps;
  const newSecret = () => randomBytes(32).toString('base64url');
  const seal = (id: string, secret: string) => encryptString(secretKey(secrets), secret, `client-secret:${id}`);
  // After the write: auth servers drop their cached copy (auth/cache/grant-lookups.ts).
  const announce = (id: string) => deps.cutoff.bus.publish(CLIENTS_CHANNEL, { id });

  return {
    async create(input: CreateClientInput): Promise<{ client: OAuthClient; clientSecret?: string }> {
      const values = parse(createClientInput, input);
      checkUris(values.type, publicUrl, values);
      if (values.type !== 'service' && values.redirect_uris.length === 0) {
        throw fieldRefused('redirect_uris', `a ${values.type} client needs at least one redirect URI`);
      }
      if (values.type === 'service' && !values.organization_id) {
        throw fieldRefused('organization_id', 'a service client acts within one organization');
      }
      checkResourceServer(values.type, values.resource_server);
      const id = `gh_${randomBytes(12).toString('base64url')}`;
      const secret = hasSecret(values.type) ? newSecret() : undefined;
      // SPAs call the API from the origins they redirect to, unless told otherwise.
      const origins = values.allowed_origins.length > 0 || values.type !== 'spa'
        ? values.allowed_origins
        : [...new Set(values.redirect_uris.map((u) => new URL(u).origin))];
      const row = await insertClient(knex, {
        id,
        name: values.name,
        type: values.type,
        organization_id: values.organization_id ?? null,
        secret_encrypted: secret ? seal(id, secret) : null,
        redirect_uris: values.redirect_uris,
        post_logout_redirect_uris: values.post_logout_redirect_uris,
        allowed_origins: origins,
        max_role: values.max_role ?? defaultMaxRole(values.type),
        signing_alg: values.signing_alg,
        resource_server: values.resource_server ?? false,
      });
      return { client: toClient(row), ...(secret ? { clientSecret: secret } : {}) };
    },

    async get(id: string): Promise<OAuthClient> {
      const row = await findClientRow(knex, id);
      if (!row) throw new AppError('not_found', 'No such client.');
      return toClient(row);
    },

    async list(options: { organizationId?: string; limit?: number; after?: string } = {}): Promise<OAuthClient[]> {
      return (await listClientRows(knex, { ...options, limit: options.limit ?? 100 })).map(toClient);
    },

    async update(id: string, input: UpdateClientInput): Promise<OAuthClient> {
      const existing = await findClientRow(knex, id);
      if (!existing) throw new AppError('not_found', 'No such client.');
      const values = parse(updateClientInput, input);
      checkUris(existing.type, publicUrl, values);
      if (existing.type !== 'service' && values.redirect_uris?.length === 0) {
        throw fieldRefused('redirect_uris', `a ${existing.type} client needs at least one redirect URI`);
      }
      const row = await updateClientRow(knex, id, {
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.redirect_uris !== undefined ? { redirect_uris: values.redirect_uris } : {}),
        ...(values.post_logout_redirect_uris !== undefined ? { post_logout_redirect_uris: values.post_logout_redirect_uris } : {}),
        ...(values.allowed_origins !== undefined ? { allowed_origins: values.allowed_origins } : {}),
        ...(values.max_role !== undefined ? { max_role: values.max_role } : {}),
        ...(values.signing_alg !== undefined ? { signing_alg: values.signing_alg } : {}),
      });
      if (!row) throw new AppError('not_found', 'No such client.');
      await announce(id);
      return toClient(row);
    },

    /** Marks a confidential client as a resource server of its organization, or unmarks it (issue 17). */
    async setResourceServer(id: string, resourceServer: boolean): Promise<OAuthClient> {
      const existing = await findClientRow(knex, id);
      if (!existing) throw new AppError('not_found', 'No such client.');
      checkResourceServer(existing.type, resourceServer);
      const row = await updateClientRow(knex, id, { resource_server: resourceServer });
      if (!row) throw new AppError('not_found', 'No such client.');
      await announce(id);
      return toClient(row);
    },

    async remove(id: string): Promise<void> {
      await knex.transaction(async (trx) => {
        if (!(await deleteClientRow(trx, id))) throw new AppError('not_found', 'No such client.');
        await deleteOidcRowsOfClient(trx, id);
      });
      await announce(id);
      await cutOffDeletedClient(knex, deps.cutoff, id);
    },

    /** A new secret, returned once; the old one and every token issued before stop working at once. */
    async rotateSecret(id: string): Promise<{ client: OAuthClient; clientSecret: string }> {
      const existing = await findClientRow(knex, id);
      if (!existing) throw new AppError('not_found', 'No such client.');
      if (!hasSecret(existing.type)) throw new AppError('validation_failed', `a ${existing.type} client is public and has no secret`);
      const secret = newSecret();
      const row = await updateClientRow(knex, id, { secret_encrypted: seal(id, secret), secret_rotated_at: new Date() });
      await announce(id);
      await cutOffRotatedClient(knex, deps.cutoff, id);
      return { client: toClient(row!), clientSecret: secret };
    },

    /** The clear secret, for the provider's client authentication only. */
    async secretOf(row: ClientRow): Promise<string | undefined> {
      return row.secret_encrypted ? decryptWithAny(clientSecretKeys(secrets), row.secret_encrypted, `client-secret:${row.id}`) : undefined;
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
