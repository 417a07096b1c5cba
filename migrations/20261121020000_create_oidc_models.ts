import type { Knex } from 'knex';

// One table for every oidc-provider model (sessions, interactions, codes, tokens, grants), as the
// provider's adapter contract expects: payload as jsonb, plus the few fields it looks rows up by.
// `consumed_at` makes consuming a code or refresh token a single conditional UPDATE (issue 3).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oidc_models', (t) => {
    t.text('model').notNullable();
    t.text('id').notNullable();
    t.jsonb('payload').notNullable();
    t.text('grant_id');
    t.text('uid');
    t.text('user_code');
    t.text('account_id');
    t.text('client_id');
    // The organization a grant was consented for; set once by the consent step, never by the adapter.
    t.uuid('organization_id').references('organizations.id').onDelete('CASCADE');
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['model', 'id']);
    t.index(['grant_id']);
    t.index(['expires_at']);
    t.index(['model', 'account_id', 'client_id']);
  });
  await knex.raw('create index oidc_models_uid on oidc_models (uid) where uid is not null');
  await knex.raw('create index oidc_models_user_code on oidc_models (user_code) where user_code is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oidc_models');
}
