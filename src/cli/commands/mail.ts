import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { AppError } from '../../shared/errors.js';
import { findMail, listMails, type MailRow } from '../../db/mails.js';
import { withDatabase } from './shared.js';

// The local mailbox (issue 17): invitation and activation mails wait in the `mails` table until
// delivery exists; an operator reads them here and passes the link on.

const embeddedNote =
  'Reads the `mails` table. With the embedded database (no DATABASE_URL) and Gatehouse running on the same DATA_DIR, ' +
  'the running process answers (the operator channel); otherwise the command opens the database itself.';

const summaryOf = (mail: MailRow) => ({
  id: mail.id, to: mail.recipient, subject: mail.subject, purpose: mail.purpose,
  created_at: mail.created_at.toISOString(), sent_at: mail.sent_at?.toISOString() ?? null,
});

export const mailListCommand: Command = {
  words: ['mail', 'list'],
  summary: 'list the mails Gatehouse wrote (invitations, account activations), newest first',
  usage: 'gatehouse mail list [--to EMAIL] [--limit N] [--json]',
  help: embeddedNote,
  options: { to: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, out }) {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
    const recipient = typeof values.to === 'string' ? values.to : undefined;
    const mails = await withDatabase((db) => listMails(db.knex, { recipient, limit }));
    if (values.json) return out(JSON.stringify(mails.map(summaryOf)));
    if (mails.length === 0) return out('no mails');
    for (const mail of mails) out(`${mail.id}  ${mail.created_at.toISOString()}  ${mail.purpose.padEnd(18)}  ${mail.recipient}  ${mail.subject}`);
  },
};

export const mailShowCommand: Command = {
  words: ['mail', 'show'],
  summary: 'print one mail with its body (and its link)',
  usage: 'gatehouse mail show ID [--json]',
  help: embeddedNote,
  positionals: 1,
  options: { json: { type: 'boolean' } },
  async run({ values, positionals, out }) {
    const id = positionals[0]!;
    const mail = await withDatabase((db) => findMail(db.knex, id));
    if (!mail) throw new AppError('not_found', `no mail ${id}`);
    if (values.json) return out(JSON.stringify({ ...summaryOf(mail), body: mail.body }));
    out([`To: ${mail.recipient}`, `Subject: ${mail.subject}`, `Date: ${mail.created_at.toISOString()}`, `Purpose: ${mail.purpose}`, '', mail.body].join('\n'));
  },
};
