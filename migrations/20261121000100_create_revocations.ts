import type { Knex } from 'knex';

// The revocation denylist every gateway loads at start and keeps current from the event bus
// (DESIGN.md "Revocation"). Rows expire with the longest-lived credential they can affect.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('revocations', (t) => {
    t.text('kind').notNullable();
    t.text('subject').notNullable();
    t.timestamp('not_before', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['kind', 'subject']);
    t.index(['expires_at']);
  });
  await knex.raw(`alter table revocations add constraint revocations_kind_check check (kind in ('token', 'grant', 'api_key', 'user'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('revocations');
}
