import { z } from 'zod';
import { MAIL_LOCALES } from '../mail-locales.js';
import { optionalString, positiveInt } from './fields.js';

/**
 * Mail (issue 18): delivery over SMTP, the mails' wording, and the links they carry. Keys are
 * environment-variable names; every field carries its default and a one-line description
 * (docs/configuration.md is generated from these; docs/email.md explains them).
 */
export const mailFields = {
  MAIL_URL: optionalString().pipe(
    z.string().regex(/^smtps?:\/\/[^/?#]+(:\d+)?\/?$/, 'must be an smtp:// or smtps:// URL: smtp://user:password@host:587').optional(),
  ).describe('SMTP server mails are sent through: `smtp://user:password@host:587` (STARTTLS, see MAIL_STARTTLS) or `smtps://…:465` (TLS from the start); user and password percent-encoded. Unset: mails stay in the local mailbox (`gatehouse mail list`).'),
  MAIL_FROM: optionalString().pipe(
    z.string().regex(/^([^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'must be an address, or a name and an address: Gatehouse <no-reply@example.com>').optional(),
  ).describe('Sender of every mail, `address` or `Name <address>`. Required with MAIL_URL.'),
  MAIL_STARTTLS: z.enum(['required', 'optional', 'off']).default('required')
    .describe('With an `smtp://` MAIL_URL: `required` refuses to send unless the server upgrades the connection to TLS (STARTTLS); `optional` upgrades when offered; `off` never does (a relay on the same host only).'),
  MAIL_TLS_CA_FILE: optionalString()
    .describe('PEM file of the certificate authority (or the self-signed certificate) a private SMTP server presents. Unset: the system\'s trusted authorities.'),
  MAIL_TIMEOUT_MS: positiveInt(20_000).describe('Bound on connecting to the SMTP server and on each of its answers.'),
  MAIL_MAX_ATTEMPTS: positiveInt(10).describe('Attempts at one mail before it is marked `failed` (a permanent refusal, 5xx, fails it at once).'),
  MAIL_RETRY_BASE_MS: positiveInt(30_000).describe('Wait before the second attempt; each further one waits twice as long (with random jitter), up to MAIL_RETRY_MAX_MS.'),
  MAIL_RETRY_MAX_MS: positiveInt(3_600_000).describe('Longest wait between two attempts at one mail.'),
  MAIL_POLL_INTERVAL_MS: positiveInt(15_000).describe('How often the sender looks for due mails besides being woken on the event bus when one is written.'),
  MAIL_LOCALE: z.enum(MAIL_LOCALES).default('en').describe(`Language of mails when the recipient's is unknown: ${MAIL_LOCALES.join(', ')}.`),
  PRODUCT_NAME: z.string().trim().min(1).max(80).default('Gatehouse').describe('The name mails and their subjects call the service by.'),
  PASSWORD_RESET_TTL_MINUTES: positiveInt(30).describe('How long a password-reset link works (once).'),
  PASSWORD_RESET_MAX_PER_EMAIL: positiveInt(3).describe('Password-reset requests for one address per PASSWORD_RESET_WINDOW_SECONDS.'),
  PASSWORD_RESET_MAX_PER_IP: positiveInt(20).describe('Password-reset requests from one IP per PASSWORD_RESET_WINDOW_SECONDS.'),
  PASSWORD_RESET_WINDOW_SECONDS: positiveInt(3600).describe('The window of the two password-reset limits.'),
  EMAIL_CHANGE_TTL_HOURS: positiveInt(24).describe('How long the link confirming a new email address works (once).'),
} as const;
