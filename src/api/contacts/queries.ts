import type { Knex } from 'knex';

export interface ContactRow {
  id: string;
  organization_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  notes: string | null;
  attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export function filterContacts(_knex: Knex, builder: Knex.QueryBuilder, query: Record<string, unknown>): void {
  if (typeof query.email === 'string') builder.whereRaw('lower(contacts.email) = lower(?)', [query.email]);
  if (typeof query.q === 'string' && query.q !== '') {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    builder.where((w) => w.whereILike('contacts.name', pattern).orWhereILike('contacts.email', pattern).orWhereILike('contacts.company', pattern));
  }
}
