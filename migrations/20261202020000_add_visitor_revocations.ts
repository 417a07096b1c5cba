import type { Knex } from 'knex';

// Issue 10: cut-offs per website visitor (its sessions revoked, or the visitor deleted).

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table revocations drop constraint revocations_kind_check');
  await knex.raw(`alter table revocations add constraint revocations_kind_check check (kind in ('token', 'grant', 'api_key', 'user', 'membership', 'client', 'visitor'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('revocations').where({ kind: 'visitor' }).delete();
  await knex.raw('alter table revocations drop constraint revocations_kind_check');
  await knex.raw(`alter table revocations add constraint revocations_kind_check check (kind in ('token', 'grant', 'api_key', 'user', 'membership', 'client'))`);
}
