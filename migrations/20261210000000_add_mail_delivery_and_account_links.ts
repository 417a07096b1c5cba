import type { Knex } from 'knex';

// Issue 18: mail delivery and the links of password reset and email change.
// - `mails` becomes a delivery queue: its state (`pending` until sent, `sent`, or `failed` after
//   the last attempt or a permanent refusal), how many attempts, the last error, when the next
//   attempt is due, and the lease of the sender that claimed it (a sender that dies mid-send lets
//   the lease run out, and another sends again: at least once). Each attempt is a row of
//   `mail_delivery_attempts`. An HTML part and the locale join the plain text.
// - `password_resets`: single-use, short-lived links bound to the password they replace
//   (`password_binding`, a digest of the stored hash: a changed password voids the link) and
//   superseded by a newer request.
// - `email_changes`: a new address proven by a link mailed to it before it replaces the old one.

const PURPOSES = ['invitation', 'account_activation', 'password_reset', 'password_changed', 'email_change', 'email_changed'];
const OLD_PURPOSES = ['invitation', 'account_activation'];

const purposeCheck = (purposes: string[]) =>
  `alter table mails add constraint mails_purpose_check check (purpose in (${purposes.map((p) => `'${p}'`).join(', ')}))`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table mails drop constraint mails_purpose_check');
  await knex.raw(purposeCheck(PURPOSES));
  await knex.schema.alterTable('mails', (t) => {
    t.text('html');
    t.text('locale').notNullable().defaultTo('en');
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('lease_until', { useTz: true });
  });
  await knex('mails').whereNotNull('sent_at').update({ status: 'sent' });
  await knex.raw(`alter table mails add constraint mails_status_check check (status in ('pending', 'sent', 'failed'))`);
  await knex.raw('drop index mails_unsent');
  await knex.raw(`create index mails_due on mails (next_attempt_at, created_at) where status = 'pending'`);

  await knex.schema.createTable('mail_delivery_attempts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('mail_id').notNullable().references('mails.id').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).notNullable();
    t.text('outcome').notNullable();
    t.text('error');
    t.index(['mail_id', 'attempt']);
  });
  await knex.raw(`alter table mail_delivery_attempts add constraint mail_delivery_attempts_outcome_check check (outcome in ('sent', 'retry', 'failed'))`);

  await knex.schema.createTable('password_resets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.text('password_binding').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('superseded_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
  });

  await knex.schema.createTable('email_changes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('old_email').notNullable();
    t.text('new_email').notNullable();
    t.text('token_hash').notNullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('superseded_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('email_changes');
  await knex.schema.dropTable('password_resets');
  await knex.schema.dropTable('mail_delivery_attempts');
  await knex.raw('drop index mails_due');
  await knex.raw('alter table mails drop constraint mails_status_check');
  await knex.schema.alterTable('mails', (t) => {
    for (const column of ['html', 'locale', 'status', 'attempts', 'last_error', 'next_attempt_at', 'lease_until']) t.dropColumn(column);
  });
  await knex('mails').whereNotIn('purpose', OLD_PURPOSES).delete();
  await knex.raw('alter table mails drop constraint mails_purpose_check');
  await knex.raw(purposeCheck(OLD_PURPOSES));
  await knex.raw('create index mails_unsent on mails (created_at) where sent_at is null');
}
