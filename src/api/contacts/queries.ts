import type { z } from 'zod';
import type { contact } from '../../contract/operations/contacts.js';
import type { StoredRow } from '../shared/queries.js';
import type { Knex } from 'knex';

export type ContactRow = StoredRow<z.output<typeof contact>>;

export function filterContacts(_knex: Knex, builder: Knex.QueryBuilder, query: Record<string, unknown>): void {
  if (typeof query.email === 'string') builder.whereRaw('lower(contacts.email) = lower(?)', [query.email]);
  if (typeof query.q === 'string' && query.q !== '') {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    builder.where((w) => w.whereILike('contacts.name', pattern).orWhereILike('contacts.email', pattern).orWhereILike('contacts.company', pattern));
  }
}
