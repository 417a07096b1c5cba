import { z } from 'zod';
import { defineOperation } from '../define.js';
import { clientToken, deletedToken, id, listQuery, timestamp, visitorToken } from '../schemas.js';

// Seed 002 "Visitors": website visitors, addressed by their public token. A visitor's own
// session token may read and update its own context (DESIGN.md: visitors' short list); agents
// read every visitor of the organization.

const visitorParams = z.strictObject({ token: visitorToken });

/** Keys of a context object that carry geolocation; dropped at any depth (seed 002). */
export const GEOLOCATION_KEYS = ['geo', 'geolocation', 'location', 'coords', 'latitude', 'lat', 'longitude', 'lon', 'lng'] as const;

const jsonObject = z.record(z.string(), z.unknown());

export const visitor = z.object({
  token: z.string(),
  organization_id: id,
  widget_client_token: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  context: jsonObject,
  last_seen_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
});

export const visitorOperations = {
  list: defineOperation({
    name: 'visitors.list', method: 'GET', path: '/visitors', role: 'agent', tag: 'visitors', list: true,
    description: 'List the visitors of the organization, newest first, by widget or by a search in name and email.',
    query: listQuery({ widget: clientToken.optional(), q: z.string().max(200).optional() }), response: visitor,
  }),
  fetch: defineOperation({
    name: 'visitors.fetch', method: 'GET', path: '/visitors/{token}', role: 'agent', visitor: true,
    participant: { resource: 'visitor', param: 'token', all: 'agent' }, tag: 'visitors',
    description: 'Fetch a visitor by token (a visitor session: only itself).', params: visitorParams, response: visitor,
  }),
  updateContext: defineOperation({
    name: 'visitors.updateContext', method: 'PATCH', path: '/visitors/{token}/context', role: 'agent', visitor: true,
    participant: { resource: 'visitor', param: 'token', all: 'agent' }, tag: 'visitors',
    description:
      'Merge `context` into the visitor\'s context (a key set to null is removed). Geolocation keys (' + GEOLOCATION_KEYS.join(', ') +
      ') are removed at any depth before storing; `dropped` lists their paths.',
    params: visitorParams,
    body: z.strictObject({ context: jsonObject }),
    response: visitor.extend({ dropped: z.array(z.string()) }),
  }),
  delete: defineOperation({
    name: 'visitors.delete', method: 'DELETE', path: '/visitors/{token}', role: 'admin', tag: 'visitors',
    description: 'Delete a visitor with the personal data of their conversations (their messages are erased; the conversations stay for statistics).',
    params: visitorParams, response: deletedToken,
  }),
};
