import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, id, idParams, listQuery, nonEmptyPatch, role, text, timestamp } from '../schemas.js';

// Seed 000 "properties". A token is for one organization: fetch, update and delete act on that
// one only (another id is not_found); the list shows every organization the caller belongs to.
export const organization = z.object({
  id,
  name: z.string(),
  /** The caller's role in this organization. */
  role,
  /** Hosts a bot's web-view button may open (DESIGN.md "Messages"). */
  webview_hosts: z.array(z.string()),
  created_at: timestamp,
  updated_at: timestamp,
});

const fields = { name: text(200) };

const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// Only this machine takes a port (and may then be opened over plain http: message-content.ts).
const LOOPBACK_WITH_PORT = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::([1-9][0-9]{0,4}))?$/;

/**
 * A DNS host name, lowercased: `bank.example`. No scheme, path or wildcard; a port only on a
 * loopback host (`localhost:4000`, `127.0.0.1:4000`, `[::1]:4000`), for a bot on the admin's machine.
 */
const hostname = z.string().trim().toLowerCase().max(253, 'must be at most 253 characters')
  .refine(isWebviewHost, 'must be a host name such as bank.example (with a port only on localhost, 127.0.0.1 or [::1])');

function isWebviewHost(value: string): boolean {
  if (DNS_NAME.test(value)) return true;
  const loopback = LOOPBACK_WITH_PORT.exec(value);
  return loopback !== null && Number(loopback[1] ?? 0) <= 65_535;
}

/** Replaces the whole list; duplicates are stored once. */
const webviewHosts = z.array(hostname).max(50, 'must have at most 50 items');

export const organizationOperations = {
  list: defineOperation({
    name: 'organizations.list', method: 'GET', path: '/organizations', role: 'bot', tag: 'organizations', list: true,
    description: "List the organizations the caller is a member of, with the caller's role in each.",
    query: listQuery({}), response: organization,
  }),
  fetch: defineOperation({
    name: 'organizations.fetch', method: 'GET', path: '/organizations/{id}', role: 'bot', tag: 'organizations',
    description: 'Fetch the organization the token is for.', params: idParams, response: organization,
  }),
  create: defineOperation({
    name: 'organizations.create', method: 'POST', path: '/organizations', successStatus: 201, role: 'admin', tag: 'organizations',
    description: 'Create an organization; the caller becomes its admin.',
    body: z.strictObject(fields), response: organization,
  }),
  update: defineOperation({
    name: 'organizations.update', method: 'PATCH', path: '/organizations/{id}', role: 'admin', tag: 'organizations',
    description: 'Rename the organization the token is for, or replace `webview_hosts`: the hosts a web-view button of a message may open.',
    params: idParams, body: nonEmptyPatch({ ...fields, webview_hosts: webviewHosts }), response: organization,
  }),
  delete: defineOperation({
    name: 'organizations.delete', method: 'DELETE', path: '/organizations/{id}', role: 'admin', tag: 'organizations',
    description: "Delete the organization the token is for, with everything in it; members' tokens are revoked.",
    params: idParams, response: deleted,
  }),
};
