import type { Knex } from 'knex';

// Seed 000 "knowledge base": categories and articles (knowledge items, seed 001). An article
// outlives its category (set null); the service checks the category is of the same organization.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('knowledge_categories', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('description');
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'name']);
    t.index(['organization_id', 'created_at', 'id']);
  });
  await knex.schema.createTable('knowledge_items', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('category_id').references('knowledge_categories.id').onDelete('SET NULL');
    t.text('title').notNullable();
    t.text('body').notNullable();
    t.text('status').notNullable().defaultTo('draft');
    t.jsonb('tags').notNullable().defaultTo('[]');
    t.uuid('author_id').references('users.id').onDelete('SET NULL');
    t.timestamp('published_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['organization_id', 'created_at', 'id']);
    t.index(['category_id']);
  });
  await knex.raw(`alter table knowledge_items add constraint knowledge_items_status_check check (status in ('draft', 'published'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('knowledge_items');
  await knex.schema.dropTable('knowledge_categories');
}
