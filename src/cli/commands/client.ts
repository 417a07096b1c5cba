import type { Command, CommandContext } from '../command.js';
import { requireString, UsageError } from '../command.js';
import { createClientService } from '../../db/oauth-clients/client-service.js';
import { CLIENT_TYPES, isClientType } from '../../db/oauth-clients/client-types.js';
import { highestRole, type Role } from '../../contract/roles.js';
import { findOrganization } from '../../db/accounts.js';
import type { Database } from '../../db/knex.js';
import type { Config } from '../../shared/config/index.js';
import { createInProcessBus } from '../../shared/bus.js';
import { systemClock } from '../../shared/clock.js';
import { installationSecrets, withDatabase } from './shared.js';
import { isSigningAlg, SIGNING_ALGS } from '../../contract/signing.js';

const list = (value: CommandContext['values'][string]): string[] =>
  Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];

async function service(db: Database, config: Config) {
  return createClientService({
    knex: db.knex,
    secrets: await installationSecrets(db, config),
    publicUrl: config.PUBLIC_URL,
    // Persisted, so every gateway refuses the client's tokens once it (re)loads the list.
    cutoff: { bus: createInProcessBus(), clock: systemClock, config },
  });
}

async function organizationId(db: Database, org: string | undefined): Promise<string> {
  if (org) {
    const found = await findOrganization(db.knex, org);
    if (!found) throw new UsageError(`no organization "${org}"`);
    return found.id;
  }
  const all: Array<{ id: string }> = await db.knex('organizations').select('id').limit(2);
  if (all.length !== 1) throw new UsageError('--org is required when there is not exactly one organization');
  return all[0]!.id;
}

export const clientCreateCommand: Command = {
  words: ['client', 'create'],
  summary: 'register an OAuth client (web, spa, native or service); prints client_id, and client_secret once',
  usage: `gatehouse client create --name NAME --type ${CLIENT_TYPES.join('|')} [--redirect-uri URI]... [--post-logout-redirect-uri URI]... [--origin ORIGIN]... [--scope ROLE] [--org ID_OR_NAME] [--alg ES256|RS256] [--resource-server] [--json]`,
  options: {
    name: { type: 'string' },
    type: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    origin: { type: 'string', multiple: true },
    scope: { type: 'string' },
    org: { type: 'string' },
    alg: { type: 'string' },
    'resource-server': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, out }) {
    const name = requireString(values, 'name');
    const type = requireString(values, 'type');
    if (!isClientType(type)) throw new UsageError(`--type must be one of ${CLIENT_TYPES.join(', ')}`);
    let maxRole: Role | undefined;
    if (typeof values.scope === 'string') {
      maxRole = highestRole(values.scope.split(/[\s,]+/));
      if (!maxRole) throw new UsageError('--scope must name the highest role the client may get: guest, agent, bot or admin');
    }
    if (values.alg !== undefined && !isSigningAlg(values.alg)) throw new UsageError(`--alg must be ${SIGNING_ALGS.join(' or ')}`);
    const created = await withDatabase(async (db, config) => (await service(db, config)).create({
      name,
      type,
      redirect_uris: list(values['redirect-uri']),
      post_logout_redirect_uris: list(values['post-logout-redirect-uri']),
      allowed_origins: list(values.origin),
      ...(maxRole ? { max_role: maxRole } : {}),
      ...(type === 'service' || typeof values.org === 'string' ? { organization_id: await organizationId(db, values.org as string | undefined) } : {}),
      ...(isSigningAlg(values.alg) ? { signing_alg: values.alg } : {}),
      ...(values['resource-server'] === true ? { resource_server: true } : {}),
    }));
    if (values.json) {
      out(JSON.stringify({ client_id: created.client.id, ...(created.clientSecret ? { client_secret: created.clientSecret } : {}), ...created.client }));
      return;
    }
    out(`client_id: ${created.client.id}`);
    if (created.clientSecret) out(`client_secret: ${created.clientSecret}\n(shown once: store it now)`);
    out(`type: ${created.client.type}, highest role: ${created.client.maxRole}${created.client.redirectUris.length ? `, redirect URIs: ${created.client.redirectUris.join(' ')}` : ''}`);
  },
};

export const clientListCommand: Command = {
  words: ['client', 'list'],
  summary: 'list registered OAuth clients',
  usage: 'gatehouse client list [--json]',
  options: { json: { type: 'boolean' } },
  async run({ values, out }) {
    const clients = await withDatabase(async (db, config) => (await service(db, config)).list({ limit: 1000 }));
    if (values.json) return out(JSON.stringify(clients));
    for (const c of clients) out(`${c.id}  ${c.type.padEnd(7)}  ${c.maxRole.padEnd(5)}  ${c.name}`);
  },
};

export const clientRotateSecretCommand: Command = {
  words: ['client', 'rotate-secret'],
  summary: 'give a confidential client a new secret (the old one stops working at once)',
  usage: 'gatehouse client rotate-secret --id CLIENT_ID [--json]',
  options: { id: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, out }) {
    const id = requireString(values, 'id');
    const rotated = await withDatabase(async (db, config) => (await service(db, config)).rotateSecret(id));
    out(values.json ? JSON.stringify({ client_id: id, client_secret: rotated.clientSecret }) : `client_secret: ${rotated.clientSecret}\n(shown once: store it now)`);
  },
};

export const clientDeleteCommand: Command = {
  words: ['client', 'delete'],
  summary: 'delete an OAuth client and everything issued to it',
  usage: 'gatehouse client delete --id CLIENT_ID',
  options: { id: { type: 'string' } },
  async run({ values, out }) {
    const id = requireString(values, 'id');
    await withDatabase(async (db, config) => (await service(db, config)).remove(id));
    out(`deleted client ${id}`);
  },
};
