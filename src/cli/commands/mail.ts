import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { AppError } from '../../shared/errors.js';
import { findMail, listAttempts, listMails, MAIL_PURPOSES, type MailPurpose, type MailRow } from '../../db/mails.js';
import { renderMail } from '../../domain/mail/render.js';
import { exampleParams } from '../../domain/mail/templates.js';
import { isMailLocale, MAIL_LOCALES } from '../../shared/mail-locales.js';
import { loadCliConfig, withDatabase } from './shared.js';

// The local mailbox and delivery log (issues 17, 18): every mail waits in the `mails` table until
// the sender delivers it (MAIL_URL), or for good without one; an operator reads them here.

const embeddedNote =
  'Reads the `mails` table. With the embedded database (no DATABASE_URL) and Gatehouse running on the same DATA_DIR, ' +
  'the running process answers (the operator channel); otherwise the command opens the database itself.';

const summaryOf = (mail: MailRow) => ({
  id: mail.id, to: mail.recipient, subject: mail.subject, purpose: mail.purpose,
  status: mail.status, attempts: mail.attempts, last_error: mail.last_error,
  created_at: mail.created_at.toISOString(), sent_at: mail.sent_at?.toISOString() ?? null,
});

export const mailListCommand: Command = {
  words: ['mail', 'list'],
  summary: 'list the mails Gatehouse wrote, newest first, with their delivery status',
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
    for (const mail of mails) {
      out(`${mail.id}  ${mail.created_at.toISOString()}  ${mail.status.padEnd(7)}  ${mail.purpose.padEnd(18)}  ${mail.recipient}  ${mail.subject}`);
    }
  },
};

export const mailShowCommand: Command = {
  words: ['mail', 'show'],
  summary: 'print one mail with its body (and its link) and its delivery attempts',
  usage: 'gatehouse mail show ID [--html] [--json]',
  help: embeddedNote,
  positionals: 1,
  options: { json: { type: 'boolean' }, html: { type: 'boolean' } },
  async run({ values, positionals, out }) {
    const id = positionals[0]!;
    const found = await withDatabase(async (db) => {
      const mail = await findMail(db.knex, id);
      return mail ? { mail, attempts: await listAttempts(db.knex, mail.id) } : undefined;
    });
    if (!found) throw new AppError('not_found', `no mail ${id}`);
    const { mail, attempts } = found;
    const attemptLines = attempts.map((a) => ({ attempt: a.attempt, at: a.started_at.toISOString(), outcome: a.outcome, error: a.error }));
    if (values.json) return out(JSON.stringify({ ...summaryOf(mail), body: mail.body, html: mail.html, delivery_attempts: attemptLines }));
    out([
      `To: ${mail.recipient}`, `Subject: ${mail.subject}`, `Date: ${mail.created_at.toISOString()}`, `Purpose: ${mail.purpose}`,
      `Status: ${mail.status} after ${mail.attempts} attempt(s)${mail.last_error ? ` (last error: ${mail.last_error})` : ''}`,
      ...attemptLines.map((a) => `Attempt ${a.attempt}: ${a.at} ${a.outcome}${a.error ? ` ${a.error}` : ''}`),
      '', values.html ? (mail.html ?? '(no HTML part)') : mail.body,
    ].join('\n'));
  },
};

export const mailPreviewCommand: Command = {
  words: ['mail', 'preview'],
  summary: 'print a mail template filled with example values (plain text, or --html)',
  usage: `gatehouse mail preview ${MAIL_PURPOSES.join('|')} [--locale ${MAIL_LOCALES.join('|')}] [--html]`,
  help: 'Uses PUBLIC_URL, PRODUCT_NAME and MAIL_LOCALE from the configuration; needs no database.',
  positionals: 1,
  options: { locale: { type: 'string' }, html: { type: 'boolean' } },
  async run({ values, positionals, out }) {
    const purpose = positionals[0]!;
    if (!(MAIL_PURPOSES as readonly string[]).includes(purpose)) throw new UsageError(`the template must be one of ${MAIL_PURPOSES.join(', ')}`);
    const config = loadCliConfig();
    const locale = typeof values.locale === 'string' ? values.locale : config.MAIL_LOCALE;
    if (!isMailLocale(locale)) throw new UsageError(`--locale must be one of ${MAIL_LOCALES.join(', ')}`);
    const params = exampleParams(config.PUBLIC_URL)[purpose as MailPurpose];
    const mail = renderMail(purpose as MailPurpose, params as never, { locale, product: config.PRODUCT_NAME });
    out(values.html ? mail.html.trimEnd() : `Subject: ${mail.subject}\n\n${mail.text.trimEnd()}`);
  },
};
