import type { Knex } from 'knex';
import type { Role } from '../contract/roles.js';
import { insertMail, type MailPurpose, type MailRow } from '../db/mails.js';
import type { EventBus } from '../shared/bus.js';
import type { Config } from '../shared/config/index.js';
import type { MailLocale } from '../shared/mail-locales.js';
import { renderMail } from './mail/render.js';
import type { TemplateParams } from './mail/templates.js';
import { ACTIVATION_PAGE, INVITATION_PAGE, linkTo } from './link-tokens.js';

/**
 * The mails Gatehouse sends (issues 17, 18), rendered from their templates (domain/mail) and put
 * in the mailbox (`mails`) through the caller's transaction: the mail exists exactly when the
 * change that causes it does, and is never sent for a rolled-back one. Once the transaction
 * commits, the sender is woken on the event bus (it also polls, so a lost wake-up only delays).
 * A link's token appears nowhere but in its mail.
 */
export const MAIL_CHANNEL = 'mail.queued';

/** What writing a mail needs from the runtime. */
export interface MailContext {
  config: Pick<Config, 'PUBLIC_URL' | 'PRODUCT_NAME' | 'MAIL_LOCALE'>;
  bus: EventBus;
}

export async function queueMail<P extends MailPurpose>(
  trx: Knex,
  context: MailContext,
  mail: { to: string; purpose: P; params: TemplateParams[P]; locale?: MailLocale | undefined },
): Promise<MailRow> {
  const locale = mail.locale ?? context.config.MAIL_LOCALE;
  const rendered = renderMail(mail.purpose, mail.params, { locale, product: context.config.PRODUCT_NAME });
  const row = await insertMail(trx, { recipient: mail.to, purpose: mail.purpose, subject: rendered.subject, body: rendered.text, html: rendered.html, locale });
  wakeSenderAfterCommit(trx, context.bus);
  return row;
}

function wakeSenderAfterCommit(trx: Knex, bus: EventBus): void {
  // A lost wake-up is not lost mail: the sender polls (MAIL_POLL_INTERVAL_MS). So a failed publish
  // is dropped here rather than failing a change that already committed.
  const wake = () => void bus.publish(MAIL_CHANNEL, {}).catch(() => {});
  const committed = trx.isTransaction ? (trx as Knex.Transaction).executionPromise : undefined;
  if (committed) committed.then(wake, () => { /* rolled back: its mail is gone with it */ });
  else wake();
}

export function mailInvitation(
  trx: Knex,
  context: MailContext,
  input: { to: string; organizationName: string; role: Role; token: string; expiresAt: Date },
): Promise<MailRow> {
  const link = linkTo(context.config.PUBLIC_URL, INVITATION_PAGE, input.token);
  return queueMail(trx, context, {
    to: input.to, purpose: 'invitation', params: { organizationName: input.organizationName, role: input.role, link, expiresAt: input.expiresAt },
  });
}

export function mailAccountActivation(
  trx: Knex,
  context: MailContext,
  input: { to: string; organizationName: string; token: string; expiresAt: Date },
): Promise<MailRow> {
  const link = linkTo(context.config.PUBLIC_URL, ACTIVATION_PAGE, input.token);
  return queueMail(trx, context, { to: input.to, purpose: 'account_activation', params: { organizationName: input.organizationName, link, expiresAt: input.expiresAt } });
}
