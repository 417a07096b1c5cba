import type { Knex } from 'knex';

// Issue 17 (account squatting): an account created for someone else (users.create) cannot sign in
// until its owner proves control of the email (`email_verified_at`, set by the activation link,
// which also sets their own password). `mails` is the local outbox those links are sent through,
// written in the transaction of the change that causes the mail; delivery (SMTP) comes later and
// sets `sent_at`. Accounts that exist before this migration were made by an operator or by their
// owner and are kept usable: they count as verified from their creation.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('email_verified_at', { useTz: true });
  });
  await knex('users').update({ email_verified_at: knex.ref('created_at') });

  await knex.schema.createTable('email_verifications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
  });

  await knex.schema.createTable('mails', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('recipient').notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    t.text('purpose').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.index(['created_at', 'id']);
  });
  await knex.raw(`alter table mails add constraint mails_purpose_check check (purpose in ('invitation', 'account_activation'))`);
  await knex.raw('create index mails_unsent on mails (created_at) where sent_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mails');
  await knex.schema.dropTable('email_verifications');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('email_verified_at');
  });
}
