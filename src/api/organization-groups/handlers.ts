import { organizationGroupOperations } from '../../contract/operations/organization-groups.js';
import { crudHandlers } from '../shared/crud.js';
import { filterGroups, withMemberCount, type OrganizationGroupRow } from './queries.js';

// Seed 000 "departments". Names are unique per organization (409 conflict).
export const organizationGroupHandlers = crudHandlers(organizationGroupOperations, {
  resource: 'organization group',
  table: 'organization_groups',
  decorate: withMemberCount,
  listQuery: filterGroups,
  present: (row: OrganizationGroupRow) => ({
    ...row,
    member_count: Number(row.member_count),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }),
});
