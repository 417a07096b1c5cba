import type { Knex } from 'knex';

// Seed 001 "contacts". An email identifies one contact per organization, whatever its case.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('email');
    t.text('phone');
    t.text('company');
    t.text('notes');
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['organization_id', 'created_at', 'id']);
  });
  await knex.raw('create unique index contacts_organization_email_unique on contacts (organization_id, lower(email)) where email is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('contacts');
}
