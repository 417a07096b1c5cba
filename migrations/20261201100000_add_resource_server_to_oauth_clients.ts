import type { Knex } from 'knex';

// Issue 17: a confidential client marked as a resource server may introspect its organization's tokens.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.boolean('resource_server').notNullable().defaultTo(false);
  });
  await knex.raw(`alter table oauth_clients add constraint oauth_clients_resource_server_check check (not resource_server or type in ('web', 'service'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table oauth_clients drop constraint oauth_clients_resource_server_check');
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.dropColumn('resource_server');
  });
}
