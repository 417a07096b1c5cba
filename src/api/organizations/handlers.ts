import { callerOf, userCallerOf, type Handler } from '../handler.js';
import type { PageRequest } from '../shared/queries.js';
import { listClientOrganization, listOrganizationsOf, type OrganizationRow } from './queries.js';
import { createOrganization, fetchOrganization, removeOrganization, updateOrganization } from './service.js';

function present(row: OrganizationRow) {
  return { id: row.id, name: row.name, role: row.role, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

export const organizationHandlers: Record<string, Handler> = {
  async 'organizations.list'(input) {
    const { identity } = callerOf(input);
    // A service client belongs to the one organization it was registered for.
    const page =
      identity.kind === 'client'
        ? await listClientOrganization(input.knex, identity.org, identity.role, input.query as unknown as PageRequest)
        : await listOrganizationsOf(input.knex, identity.sub, input.query as unknown as PageRequest);
    return { data: page.rows.map(present), next_cursor: page.nextCursor };
  },
  async 'organizations.fetch'(input) {
    return { data: present(await fetchOrganization(input.runtime, callerOf(input), input.params.id as string)) };
  },
  async 'organizations.create'(input) {
    return { data: present(await createOrganization(input.runtime, userCallerOf(input), input.body.name as string)) };
  },
  async 'organizations.update'(input) {
    return { data: present(await updateOrganization(input.runtime, callerOf(input), input.params.id as string, input.body.name as string)) };
  },
  async 'organizations.delete'(input) {
    await removeOrganization(input.runtime, callerOf(input), input.params.id as string);
    return { data: { id: input.params.id, deleted: true } };
  },
};
