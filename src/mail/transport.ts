import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { Config } from '../shared/config/index.js';

/**
 * SMTP through nodemailer (issue 18), from MAIL_URL: `smtps://` speaks TLS from the first byte
 * (port 465 unless given); `smtp://` upgrades with STARTTLS as MAIL_STARTTLS says (port 587
 * unless given). Credentials come percent-encoded in the URL. Certificates are always verified,
 * against MAIL_TLS_CA_FILE when set.
 */
export interface OutgoingMail {
  /** Stable per mail, so a retried send carries the same Message-ID. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string | undefined;
  locale: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export type MailSettings = Pick<Config, 'MAIL_URL' | 'MAIL_FROM' | 'MAIL_STARTTLS' | 'MAIL_TLS_CA_FILE' | 'MAIL_TIMEOUT_MS'>;

export function smtpOptions(config: MailSettings) {
  const url = new URL(config.MAIL_URL!);
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && config.MAIL_STARTTLS === 'required',
    ignoreTLS: !secure && config.MAIL_STARTTLS === 'off',
    ...(user ? { auth: { user, pass: decodeURIComponent(url.password) } } : {}),
    tls: { rejectUnauthorized: true, ...(config.MAIL_TLS_CA_FILE ? { ca: readFileSync(config.MAIL_TLS_CA_FILE, 'utf8') } : {}) },
    connectionTimeout: config.MAIL_TIMEOUT_MS,
    greetingTimeout: config.MAIL_TIMEOUT_MS,
    socketTimeout: config.MAIL_TIMEOUT_MS,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export function createSmtpTransport(config: MailSettings): MailTransport {
  const transporter = nodemailer.createTransport(smtpOptions(config));
  const from = config.MAIL_FROM!;
  const domain = /@([^>\s]+)>?$/.exec(from)?.[1] ?? 'gatehouse.invalid';
  return {
    async send(mail) {
      await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        messageId: `<${mail.messageId}@${domain}>`,
        headers: { 'Content-Language': mail.locale, 'Auto-Submitted': 'auto-generated' },
      });
    },
    close: () => transporter.close(),
  };
}

/**
 * A refusal the server means for good (RFC 5321 §4.2.1: a 5yz reply to the envelope or the
 * message): retrying cannot help. Anything else (connection, TLS, timeout, 4yz, a refused login
 * the operator may still fix) is worth another attempt.
 */
export function isPermanent(err: unknown): boolean {
  const { code, responseCode } = err as { code?: unknown; responseCode?: unknown };
  return (code === 'EENVELOPE' || code === 'EMESSAGE') && typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
}

/** The error as the delivery log keeps it: short, no credentials (nodemailer never echoes them). */
export function describeError(err: unknown): string {
  const { code, responseCode, message } = err as { code?: unknown; responseCode?: unknown; message?: unknown };
  const head = [typeof code === 'string' ? code : undefined, typeof responseCode === 'number' ? String(responseCode) : undefined].filter(Boolean).join(' ');
  const text = typeof message === 'string' ? message : String(err);
  return (head ? `${head}: ${text}` : text).slice(0, 1000);
}
