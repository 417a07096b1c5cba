import { z } from 'zod';
import { defineOperation } from '../define.js';
import { clientToken, deletedToken, id, listQuery, timestamp, visitorToken } from '../schemas.js';

// Seed 002 "Visitors": website visitors, addressed by their public token. A visitor's own
// session token may read and update its own context (DESIGN.md: visitors' short list); agents
// read every visitor of the organization.

const visitorParams = z.strictObject({ token: visitorToken });

/** Keys of a context object that carry geolocation; dropped at any depth (seed 002). */
export const GEOLOCATION_KEYS = ['geo', 'geolocation', 'location', 'coords', 'latitude', 'lat', 'longitude', 'lon', 'lng'] as const;

/** Largest stored context, serialised as JSON, after merging and stripping (a bigger one is a 400). */
export const VISITOR_CONTEXT_MAX_BYTES = 16 * 1024;
/** Deepest nesting of a context update: deeper is a 400, never a stack overflow. */
export const VISITOR_CONTEXT_MAX_DEPTH = 32;

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
    description: 'List the visitors of the organization, oldest first (keyset cursor), by widget client token or by a search in name and email.',
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
      'Merge `context` into the visitor\'s context as a JSON Merge Patch (RFC 7396: objects merge key by key, a key set to null is removed, ' +
      'anything else replaces). Geolocation keys (' + GEOLOCATION_KEYS.join(', ') + '; any case, ignoring `_` and `-`) are removed at any depth, ' +
      'inside arrays too, before storing; `dropped` lists their paths (`context.device.geo`). The stored context is at most ' +
      `${VISITOR_CONTEXT_MAX_BYTES} bytes of JSON and ${VISITOR_CONTEXT_MAX_DEPTH} levels deep, else 400.`,
    params: visitorParams,
    body: z.strictObject({ context: jsonObject }),
    response: visitor.extend({ dropped: z.array(z.string()) }),
  }),
  delete: defineOperation({
    name: 'visitors.delete', method: 'DELETE', path: '/visitors/{token}', role: 'admin', tag: 'visitors',
    description:
      'Delete a visitor: its row (name, email, context) is removed and its sessions stop at once. In its conversations the `text` and `content` ' +
      'of every message it wrote are erased (the message stays, empty and marked deleted), rating comments, `subject` and `summary` are cleared; ' +
      'the conversations stay for statistics (status, times, tags, assignee, rating scores), no longer linked to a visitor. ' +
      'Messages of agents and bots are left as they are.',
    params: visitorParams, response: deletedToken,
  }),
};
