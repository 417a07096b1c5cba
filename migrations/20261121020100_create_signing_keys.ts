import type { Knex } from 'knex';

// Token signing keys (issue 3). The private JWK is stored AES-256-GCM encrypted; `retire_after`
// is set when a newer key takes over, to the moment every token the old key signed has expired.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_keys', (t) => {
    t.text('kid').primary();
    t.text('alg').notNullable();
    t.integer('generation').notNullable();
    t.text('private_jwk_encrypted').notNullable();
    t.jsonb('public_jwk').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('retire_after', { useTz: true });
    t.unique(['generation', 'alg']);
  });
  await knex.raw(`alter table signing_keys add constraint signing_keys_alg_check check (alg in ('ES256', 'RS256'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('signing_keys');
}
