import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, id, idParams, listQuery, role, text, timestamp } from '../schemas.js';

// API keys (seeds 000, 001; issue 4). Anyone manages their own keys; admins see and revoke every
// key of their organization. Another user's key is `not_found` to a non-admin, never `forbidden`.

export const apiKey = z.object({
  id,
  name: z.string(),
  scopes: z.array(role),
  prefix: z.string().describe('The first characters of the key, to tell keys apart.'),
  user_id: id,
  organization_id: id,
  expires_at: timestamp.nullable(),
  last_used_at: timestamp.nullable(),
  revoked_at: timestamp.nullable(),
  created_at: timestamp,
});

export const createdApiKey = apiKey.extend({
  key: z.string().describe('The secret, shown this once: send it as the HTTP Basic username with an empty password, or as a Bearer token.'),
});

export const apiKeyOperations = {
  list: defineOperation({
    name: 'apiKeys.list', method: 'GET', path: '/api-keys', role: 'guest', tag: 'api-keys', list: true,
    description: 'List your own API keys.', query: listQuery({}), response: apiKey,
  }),
  fetch: defineOperation({
    name: 'apiKeys.fetch', method: 'GET', path: '/api-keys/{id}', role: 'guest', tag: 'api-keys',
    description: 'Fetch one of your API keys (admins: any key of the organization).', params: idParams, response: apiKey,
  }),
  create: defineOperation({
    name: 'apiKeys.create', method: 'POST', path: '/api-keys', successStatus: 201, role: 'guest', tag: 'api-keys',
    description: 'Create an API key with role scopes no wider than your role and than the token making the request; the secret is in this response only. Needs a first-party credential (a token from POST /v2/auth/token): an OAuth app\'s token, a service client or an API key gets 403 `first_party_required`.',
    body: z.strictObject({
      name: text(100),
      scopes: z.array(role).min(1, 'must name at least one scope').max(4),
      expiresAt: timestamp.optional(),
    }),
    response: createdApiKey,
  }),
  delete: defineOperation({
    name: 'apiKeys.delete', method: 'DELETE', path: '/api-keys/{id}', role: 'guest', tag: 'api-keys',
    description: 'Revoke one of your API keys (admins: any key of the organization); every gateway refuses it within a second.',
    params: idParams, response: deleted,
  }),
  organizationList: defineOperation({
    name: 'organizationApiKeys.list', method: 'GET', path: '/organization/api-keys', role: 'admin', tag: 'api-keys', list: true,
    description: 'List every API key of the organization, optionally of one user.',
    query: listQuery({ user_id: id.optional(), include_revoked: z.enum(['true', 'false']).optional() }), response: apiKey,
  }),
};
