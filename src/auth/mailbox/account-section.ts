import type { Knex } from 'knex';
import { renderMailbox } from '../../../views/index.js';
import { listMails } from '../../db/mails.js';
import type { AccountSectionSource } from '../account/router.js';
import { listOrganizationsOfUser } from '../accounts/account-rows.js';

const SHOWN = 20;

/**
 * "Local mailbox" on the account page (issue 18): with the embedded defaults in development and
 * no MAIL_URL, mails are kept instead of sent; an admin reads them here to follow a link by hand.
 * Mails carry other people's links, so it is never shown in production, and only to admins;
 * routes.ts adds it only in development without MAIL_URL.
 */
export function localMailboxSection(knex: Knex): AccountSectionSource {
  return async (_ctx, viewer) => {
    const memberships = await listOrganizationsOfUser(knex, viewer.user.id);
    if (!memberships.some((membership) => membership.role === 'admin')) return undefined;
    const [mails, total] = await Promise.all([
      listMails(knex, { limit: SHOWN }),
      knex('mails').count({ n: '*' }).first() as Promise<{ n: number | string } | undefined>,
    ]);
    return {
      id: 'mailbox',
      title: 'Local mailbox',
      body: renderMailbox({
        total: Number(total?.n ?? 0),
        mails: mails.map((mail) => ({
          id: mail.id, recipient: mail.recipient, subject: mail.subject, body: mail.body, status: mail.status, createdAt: mail.created_at.toISOString(),
        })),
      }),
    };
  };
}
