import type { Knex } from 'knex';

// Registered OAuth clients (issue 3). The secret is kept encrypted, not hashed, because the
// provider compares presented secrets itself; it is shown to the operator once, at creation.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_clients', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('type').notNullable();
    t.uuid('organization_id').references('organizations.id').onDelete('CASCADE');
    t.text('secret_encrypted');
    t.jsonb('redirect_uris').notNullable().defaultTo('[]');
    t.jsonb('post_logout_redirect_uris').notNullable().defaultTo('[]');
    t.jsonb('allowed_origins').notNullable().defaultTo('[]');
    t.text('max_role').notNullable();
    t.text('signing_alg').notNullable().defaultTo('ES256');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('secret_rotated_at', { useTz: true });
  });
  await knex.raw(`alter table oauth_clients add constraint oauth_clients_type_check check (type in ('web', 'spa', 'native', 'service'))`);
  await knex.raw(`alter table oauth_clients add constraint oauth_clients_max_role_check check (max_role in ('guest', 'agent', 'bot', 'admin'))`);
  await knex.raw(`alter table oauth_clients add constraint oauth_clients_signing_alg_check check (signing_alg in ('ES256', 'RS256'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oauth_clients');
}
