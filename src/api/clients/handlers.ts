import { clientOperations } from '../../contract/operations/clients.js';
import { createClientService } from '../../db/oauth-clients/client-service.js';
import type { OAuthClient } from '../../db/oauth-clients/client-types.js';
import { recordChange } from '../../domain/record-change.js';
import { callerOf, deletedResult, implement, type HandlerInput } from '../handler.js';
import { notFound } from '../shared/not-found.js';

// OAuth clients (issue 3). The store and its rules (redirect URIs, secrets) are shared with the
// CLI and the auth server in src/db/oauth-clients; this file only scopes them to the caller's
// organization and shapes the answers.

function clients(input: Pick<HandlerInput, 'runtime' | 'knex'>) {
  const { runtime } = input;
  return createClientService({
    knex: input.knex,
    secrets: runtime.secrets,
    publicUrl: runtime.config.PUBLIC_URL,
    cutoff: { bus: runtime.bus, clock: runtime.clock, config: runtime.config },
  });
}

const present = (c: OAuthClient) => ({
  id: c.id,
  name: c.name,
  type: c.type,
  organization_id: c.organizationId,
  redirect_uris: c.redirectUris,
  post_logout_redirect_uris: c.postLogoutRedirectUris,
  allowed_origins: c.allowedOrigins,
  max_role: c.maxRole,
  signing_alg: c.signingAlg,
  resource_server: c.resourceServer,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

/** The client, if it belongs to the caller's organization; another organization's is not found. */
async function ownClient(input: Pick<HandlerInput, 'runtime' | 'knex' | 'identity' | 'requestId' | 'operation'>, id: string): Promise<OAuthClient> {
  const { identity } = callerOf(input);
  const client = await clients(input).get(id).catch(() => undefined);
  if (!client || client.organizationId !== identity.org) throw notFound('client');
  return client;
}

const cursorOf = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const idOf = (cursor: string | undefined) => (cursor ? Buffer.from(cursor, 'base64url').toString('utf8') : undefined);

export const clientHandlers = implement(clientOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const { limit } = input.query;
    const after = idOf(input.query.cursor);
    const rows = await clients(input).list({ organizationId: identity.org, limit: limit + 1, ...(after ? { after } : {}) });
    const page = rows.slice(0, limit);
    return { data: page.map(present), next_cursor: rows.length > limit ? cursorOf(page[page.length - 1]!.id) : null };
  },

  async fetch(input) {
    return { data: present(await ownClient(input, input.params.id)) };
  },

  async create(input) {
    const caller = callerOf(input);
    const created = await input.knex.transaction(async (trx) => {
      const made = await clients({ ...input, knex: trx }).create({ ...input.body, organization_id: caller.identity.org });
      await recordChange(trx, caller, { action: 'clients.create', resourceType: 'client', resourceId: made.client.id, changes: input.body });
      return made;
    });
    return { data: { ...present(created.client), ...(created.clientSecret ? { client_secret: created.clientSecret } : {}) } };
  },

  async update(input) {
    const client = await ownClient(input, input.params.id);
    const { resource_server: resourceServer, ...fields } = input.body;
    // One transaction: a refused mark leaves the other fields unchanged too.
    const updated = await input.knex.transaction(async (trx) => {
      const service = clients({ ...input, knex: trx });
      let row = Object.keys(fields).length > 0 ? await service.update(client.id, fields) : client;
      if (resourceServer !== undefined) row = await service.setResourceServer(client.id, resourceServer);
      await recordChange(trx, callerOf(input), { action: 'clients.update', resourceType: 'client', resourceId: client.id, changes: input.body });
      return row;
    });
    return { data: present(updated) };
  },

  async delete(input) {
    const client = await ownClient(input, input.params.id);
    // The cut-off of its tokens is announced inside: should the record fail after it, tokens of a
    // client that lives on were cut off, never the reverse.
    await input.knex.transaction(async (trx) => {
      await clients({ ...input, knex: trx }).remove(client.id);
      await recordChange(trx, callerOf(input), { action: 'clients.delete', resourceType: 'client', resourceId: client.id });
    });
    return deletedResult(client.id);
  },

  async rotateSecret(input) {
    const client = await ownClient(input, input.params.id);
    const rotated = await clients(input).rotateSecret(client.id);
    return { data: { client_id: client.id, client_secret: rotated.clientSecret } };
  },
});
