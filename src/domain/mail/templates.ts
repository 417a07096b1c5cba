import type { MailPurpose } from '../../db/mails.js';

/**
 * What each mail says, independent of language and format (issue 18): a subject, paragraphs, at
 * most one link to act on, notes after it. messages-*.ts fill these per locale; render.ts turns
 * one into plain text and simple HTML. Values are plain text: the renderer escapes them.
 */
export interface MailDocument {
  subject: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  notes: string[];
}

/** The values each template needs. Links are absolute URLs built from PUBLIC_URL. */
export interface TemplateParams {
  invitation: { organizationName: string; role: string; link: string; expiresAt: Date };
  account_activation: { organizationName: string; link: string; expiresAt: Date };
  password_reset: { email: string; link: string; expiresAt: Date };
  password_changed: { email: string; at: Date; resetLink: string };
  email_change: { oldEmail: string; newEmail: string; link: string; expiresAt: Date };
  email_changed: { oldEmail: string; newEmail: string; at: Date; resetLink: string };
}

/** What a template knows besides its values: the product's name and how to write a time. */
export interface MessageContext {
  product: string;
  when(at: Date): string;
}

export type Messages = { [P in MailPurpose]: (params: TemplateParams[P], context: MessageContext) => MailDocument } & {
  /** The line under every mail. */
  footer(context: MessageContext): string;
  /** "If the button does not work, …" under the HTML button. */
  copyLink: string;
  /** How a time is written: a locale for Intl. */
  dateLocale: string;
};

/** Example values for `gatehouse mail preview` (and the tests of every template). */
export function exampleParams(publicUrl: string): TemplateParams {
  const expiresAt = new Date('2026-12-08T09:00:00Z');
  const at = new Date('2026-12-01T09:00:00Z');
  const link = (page: string, token: string) => `${publicUrl}${page}?token=${token}`;
  return {
    invitation: { organizationName: 'Acme Support', role: 'agent', link: link('/account/invitation', 'ghi_example'), expiresAt },
    account_activation: { organizationName: 'Acme Support', link: link('/account/activate', 'gha_example'), expiresAt },
    password_reset: { email: 'dana@example.com', link: link('/account/password-reset/confirm', 'ghr_example'), expiresAt },
    password_changed: { email: 'dana@example.com', at, resetLink: `${publicUrl}/account/password-reset` },
    email_change: { oldEmail: 'dana@example.com', newEmail: 'dana@example.org', link: link('/account/email/confirm', 'ghe_example'), expiresAt },
    email_changed: { oldEmail: 'dana@example.com', newEmail: 'dana@example.org', at, resetLink: `${publicUrl}/account/password-reset` },
  };
}
