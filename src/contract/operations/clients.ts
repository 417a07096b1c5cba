import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, listQuery, nonEmptyPatch, role, timestamp } from '../schemas.js';
import { SIGNING_ALGS } from '../signing.js';
import { CLIENT_TYPES, clientFields, createClientFields } from '../oauth-client.js';

// OAuth clients (issue 3), managed by the organization's admins. A client registered here belongs
// to the caller's organization; a client of another organization is `not_found`.

const clientId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a client id');
const clientParams = z.strictObject({ id: clientId });

export const oauthClient = z.object({
  id: clientId.describe('The client_id.'),
  name: z.string(),
  type: z.enum(CLIENT_TYPES).describe('web: confidential, code; spa: public, implicit and/or code + PKCE; native: public, code + PKCE; service: client credentials.'),
  organization_id: z.string().nullable(),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  allowed_origins: z.array(z.string()).describe('Browser origins allowed to call the API (SPAs).'),
  max_role: role.describe('The highest role scope this client is ever granted.'),
  signing_alg: z.enum(SIGNING_ALGS),
  resource_server: z.boolean().describe('Confidential clients only: may introspect the access tokens of the organization (RFC 7662), not only its own.'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const oauthClientWithSecret = oauthClient.extend({
  client_secret: z.string().optional().describe('Confidential clients only; shown in this response only.'),
});


export const clientOperations = {
  list: defineOperation({
    name: 'clients.list', method: 'GET', path: '/clients', role: 'admin', tag: 'clients', list: true,
    description: 'List the OAuth clients of the organization.', query: listQuery({}), response: oauthClient,
  }),
  fetch: defineOperation({
    name: 'clients.fetch', method: 'GET', path: '/clients/{id}', role: 'admin', tag: 'clients',
    description: 'Fetch one OAuth client.', params: clientParams, response: oauthClient,
  }),
  create: defineOperation({
    name: 'clients.create', method: 'POST', path: '/clients', successStatus: 201, role: 'admin', tag: 'clients',
    description: 'Register an OAuth client; a confidential client\'s secret is in this response only.',
    body: z.strictObject(createClientFields),
    response: oauthClientWithSecret,
  }),
  update: defineOperation({
    name: 'clients.update', method: 'PATCH', path: '/clients/{id}', role: 'admin', tag: 'clients',
    description: 'Change a client\'s name, redirect URIs, origins, highest role, signing algorithm or resource-server mark; omitted fields stay as they are.',
    params: clientParams, body: nonEmptyPatch(clientFields), response: oauthClient,
  }),
  delete: defineOperation({
    name: 'clients.delete', method: 'DELETE', path: '/clients/{id}', role: 'admin', tag: 'clients',
    description: 'Delete a client; every token issued to it stops working.', params: clientParams,
    response: deleted.extend({ id: clientId }),
  }),
  rotateSecret: defineOperation({
    name: 'clients.rotateSecret', method: 'POST', path: '/clients/{id}/secret', role: 'admin', tag: 'clients',
    description: 'Give a confidential client a new secret (shown once); the old one stops working at once.',
    params: clientParams, response: z.object({ client_id: clientId, client_secret: z.string() }),
  }),
};
