import type { Knex } from 'knex';

// The mailbox and delivery queue (issues 17, 18): every mail Gatehouse sends is first a row here,
// written in the transaction of the change that causes it, so a rolled-back change has no mail.
// The sender (src/mail) claims due rows, sends them and records each attempt; without MAIL_URL
// they stay `pending`, readable with `gatehouse mail list|show`.

export const MAIL_PURPOSES = ['invitation', 'account_activation', 'password_reset', 'password_changed', 'email_change', 'email_changed'] as const;
export type MailPurpose = (typeof MAIL_PURPOSES)[number];
export const MAIL_STATUSES = ['pending', 'sent', 'failed'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

export interface MailRow {
  id: string;
  recipient: string;
  subject: string;
  /** The plain-text part. */
  body: string;
  html: string | null;
  locale: string;
  purpose: MailPurpose;
  status: MailStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  lease_until: Date | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface MailAttemptRow {
  id: string;
  mail_id: string;
  attempt: number;
  started_at: Date;
  finished_at: Date;
  outcome: 'sent' | 'retry' | 'failed';
  error: string | null;
}

export async function insertMail(
  knex: Knex,
  mail: { recipient: string; subject: string; body: string; html: string; locale: string; purpose: MailPurpose },
): Promise<MailRow> {
  const [row] = await knex('mails').insert(mail).returning('*');
  return row as MailRow;
}

/** The newest mails first, optionally to one recipient (any case). */
export async function listMails(knex: Knex, options: { recipient?: string | undefined; limit: number }): Promise<MailRow[]> {
  const builder = knex('mails').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options.limit);
  if (options.recipient !== undefined) builder.whereRaw('lower(recipient) = lower(?)', [options.recipient]);
  return (await builder) as MailRow[];
}

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findMail(knex: Knex, id: string): Promise<MailRow | undefined> {
  if (!uuidShape.test(id)) return undefined;
  return (await knex('mails').where({ id }).first()) as MailRow | undefined;
}

export async function listAttempts(knex: Knex, mailId: string): Promise<MailAttemptRow[]> {
  return (await knex('mail_delivery_attempts').where({ mail_id: mailId }).orderBy('attempt')) as MailAttemptRow[];
}

/**
 * Claims up to `limit` due mails for `leaseMs`, counting the attempt, in one statement: on
 * Postgres concurrent senders skip each other's rows (FOR UPDATE SKIP LOCKED); on PGlite the one
 * connection is held for that statement only, never while a mail is sent. A sender that dies
 * leaves its lease to run out; the mail is then claimed again (delivery is at least once).
 */
export async function claimDueMails(knex: Knex, options: { now: Date; leaseMs: number; limit: number }): Promise<MailRow[]> {
  const { rows } = (await knex.raw(
    `update mails set lease_until = ?, attempts = attempts + 1
     where id in (
       select id from mails
       where status = 'pending'
         and (next_attempt_at is null or next_attempt_at <= ?)
         and (lease_until is null or lease_until <= ?)
       order by coalesce(next_attempt_at, created_at), created_at
       limit ?
       for update skip locked)
     returning *`,
    [new Date(options.now.getTime() + options.leaseMs), options.now, options.now, options.limit],
  )) as { rows: MailRow[] };
  return rows;
}

/** When the next pending mail is due (the epoch for one due at once), or undefined when none waits. */
export async function nextDueAt(knex: Knex): Promise<Date | undefined> {
  const row = await knex('mails').where({ status: 'pending' })
    .first<{ due: Date | null } | undefined>(knex.raw(`min(greatest(coalesce(next_attempt_at, 'epoch'::timestamptz), coalesce(lease_until, 'epoch'::timestamptz))) as due`));
  return row?.due ?? undefined;
}

export type AttemptOutcome =
  | { outcome: 'sent' }
  | { outcome: 'retry'; error: string; nextAttemptAt: Date }
  | { outcome: 'failed'; error: string };

/** Records one attempt and its effect on the mail, both or neither. */
export async function recordAttempt(knex: Knex, mail: Pick<MailRow, 'id' | 'attempts'>, startedAt: Date, finishedAt: Date, result: AttemptOutcome): Promise<void> {
  const error = result.outcome === 'sent' ? null : result.error;
  await knex.transaction(async (trx) => {
    await trx('mail_delivery_attempts').insert({ mail_id: mail.id, attempt: mail.attempts, started_at: startedAt, finished_at: finishedAt, outcome: result.outcome, error });
    await trx('mails').where({ id: mail.id }).update({
      status: result.outcome === 'retry' ? 'pending' : result.outcome,
      lease_until: null,
      ...(result.outcome === 'sent' ? { sent_at: finishedAt } : { last_error: error }),
      ...(result.outcome === 'retry' ? { next_attempt_at: result.nextAttemptAt } : {}),
    });
  });
}
