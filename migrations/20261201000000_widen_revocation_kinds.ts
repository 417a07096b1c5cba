import type { Knex } from 'knex';

// Issue 17: cut-offs per membership (one user in one organization) and per OAuth client.

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table revocations drop constraint revocations_kind_check');
  await knex.raw(`alter table revocations add constraint revocations_kind_check check (kind in ('token', 'grant', 'api_key', 'user', 'membership', 'client'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('revocations').whereIn('kind', ['membership', 'client']).delete();
  await knex.raw('alter table revocations drop constraint revocations_kind_check');
  await knex.raw(`alter table revocations add constraint revocations_kind_check check (kind in ('token', 'grant', 'api_key', 'user'))`);
}
