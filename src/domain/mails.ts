import type { Knex } from 'knex';
import type { Role } from '../contract/roles.js';
import { insertMail, type MailRow } from '../db/mails.js';
import { ACTIVATION_PAGE, INVITATION_PAGE, linkTo } from './link-tokens.js';

/**
 * The mails Gatehouse sends (issue 17), rendered as plain text with links built from PUBLIC_URL
 * and put in the mailbox (`mails`) through the caller's transaction: the mail exists exactly when
 * the change that causes it does. The link's token appears nowhere else.
 */

const when = (at: Date) => at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export function mailInvitation(
  trx: Knex,
  input: { publicUrl: string; to: string; organizationName: string; role: Role; token: string; expiresAt: Date },
): Promise<MailRow> {
  const link = linkTo(input.publicUrl, INVITATION_PAGE, input.token);
  return insertMail(trx, {
    recipient: input.to,
    purpose: 'invitation',
    subject: `You are invited to ${input.organizationName} on Gatehouse`,
    body: [
      `You have been invited to join ${input.organizationName} as ${input.role}.`,
      '',
      'To accept, open this link:',
      link,
      '',
      `If you have no Gatehouse account yet, you choose your name and password there; if you have one, you sign in to it first.`,
      `The link works once, until ${when(input.expiresAt)}.`,
      `If you did not expect this invitation, ignore this mail: nothing happens unless you open the link.`,
    ].join('\n'),
  });
}

export function mailAccountActivation(
  trx: Knex,
  input: { publicUrl: string; to: string; organizationName: string; token: string; expiresAt: Date },
): Promise<MailRow> {
  const link = linkTo(input.publicUrl, ACTIVATION_PAGE, input.token);
  return insertMail(trx, {
    recipient: input.to,
    purpose: 'account_activation',
    subject: 'Activate your Gatehouse account',
    body: [
      `An administrator of ${input.organizationName} created a Gatehouse account for this address.`,
      '',
      'To use it, open this link and choose your password:',
      link,
      '',
      `The link works once, until ${when(input.expiresAt)}. Nobody can sign in to the account before you do this.`,
      `If you did not expect this mail, ignore it.`,
    ].join('\n'),
  });
}
