import type { Knex } from 'knex';

// One installation, one root secret: the fingerprint of the secret the installation was first
// started with (never the secret), so a process configured with another one refuses to start
// instead of answering 401 to every API key. During a rotation it also records the previous
// secret's fingerprint and until when that secret is still accepted.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('installation_secret', (t) => {
    t.smallint('id').primary().defaultTo(1);
    t.text('fingerprint').notNullable();
    t.text('previous_fingerprint');
    t.timestamp('previous_accepted_until', { useTz: true });
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('rotated_at', { useTz: true });
  });
  await knex.raw('alter table installation_secret add constraint installation_secret_one_row check (id = 1)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('installation_secret');
}
