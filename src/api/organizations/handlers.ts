import { organizationOperations } from '../../contract/operations/organizations.js';
import { callerOf, deletedResult, implement, userCallerOf } from '../handler.js';
import { listClientOrganization, listOrganizationsOf, type OrganizationRow } from './queries.js';
import { createOrganization, fetchOrganization, removeOrganization, updateOrganization } from './service.js';

function present(row: OrganizationRow) {
  return { id: row.id, name: row.name, role: row.role, webview_hosts: row.webview_hosts, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

export const organizationHandlers = implement(organizationOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    // A service client belongs to the one organization it was registered for.
    const page =
      identity.kind === 'client'
        ? await listClientOrganization(input.knex, identity.org, identity.role, input.query)
        : await listOrganizationsOf(input.knex, identity.sub, input.query);
    return { data: page.rows.map(present), next_cursor: page.nextCursor };
  },
  async fetch(input) {
    return { data: present(await fetchOrganization(input.runtime, callerOf(input), input.params.id)) };
  },
  async create(input) {
    return { data: present(await createOrganization(input.runtime, userCallerOf(input), input.body.name)) };
  },
  async update(input) {
    return { data: present(await updateOrganization(input.runtime, callerOf(input), input.params.id, input.body)) };
  },
  async delete(input) {
    await removeOrganization(input.runtime, callerOf(input), input.params.id);
    return deletedResult(input.params.id);
  },
});
