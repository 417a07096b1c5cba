import type { Knex } from 'knex';

// The local mailbox (issue 17): every mail Gatehouse sends is first a row here, written in the
// transaction of the change that causes it. Delivery (SMTP) is a later step that sets `sent_at`.

export const MAIL_PURPOSES = ['invitation', 'account_activation'] as const;
export type MailPurpose = (typeof MAIL_PURPOSES)[number];

export interface MailRow {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  purpose: MailPurpose;
  created_at: Date;
  sent_at: Date | null;
}

export async function insertMail(knex: Knex, mail: { recipient: string; subject: string; body: string; purpose: MailPurpose }): Promise<MailRow> {
  const [row] = await knex('mails').insert(mail).returning('*');
  return row as MailRow;
}

/** The newest mails first, optionally to one recipient (any case). */
export async function listMails(knex: Knex, options: { recipient?: string | undefined; limit: number }): Promise<MailRow[]> {
  const builder = knex('mails').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options.limit);
  if (options.recipient !== undefined) builder.whereRaw('lower(recipient) = lower(?)', [options.recipient]);
  return (await builder) as MailRow[];
}

export async function findMail(knex: Knex, id: string): Promise<MailRow | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return (await knex('mails').where({ id }).first()) as MailRow | undefined;
}
