import { serviceOperations } from '../../contract/operations/services.js';
import { AppError } from '../../shared/errors.js';
import { groupExists } from '../organization-groups/queries.js';
import { crudHandlers } from '../shared/crud.js';
import { filterServices, type ServiceRow } from './queries.js';

// Seed 001 "services": a service may route to a group of the same organization only.
export const serviceHandlers = crudHandlers(serviceOperations, {
  resource: 'service',
  table: 'services',
  listQuery: filterServices,
  async prepare(trx, caller, values) {
    if (typeof values.group_id === 'string' && !(await groupExists(trx, caller.identity.org, values.group_id))) {
      throw new AppError('validation_failed', 'group_id: no such organization group', {
        details: { fields: [{ field: 'group_id', message: 'no such organization group' }] },
      });
    }
    return values;
  },
  present: (row: ServiceRow) => ({ ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() }),
});
