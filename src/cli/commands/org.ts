import type { Command } from '../command.js';
import { requireString } from '../command.js';
import { insertOrganization } from '../../db/accounts.js';
import { withDatabase } from './shared.js';

export const orgCreateCommand: Command = {
  words: ['org', 'create'],
  summary: 'create an organization',
  usage: 'gatehouse org create --name NAME [--json]',
  options: { name: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, out }) {
    const name = requireString(values, 'name');
    const organization = await withDatabase((db) => insertOrganization(db.knex, { name }));
    out(values.json ? JSON.stringify({ id: organization.id, name: organization.name }) : `created organization ${organization.id} (${organization.name})`);
  },
};
