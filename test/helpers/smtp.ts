import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in the test process (the `smtp-server` package) that Gatehouse sends to over
 * STARTTLS with a certificate made for 127.0.0.1, requiring a login. Received mails are parsed
 * (`mailparser`) as a mail client would read them. `refuse` makes it answer the next RCPT TO
 * commands with an error, to test retries and permanent failures.
 */
export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Map<string, unknown>;
  raw: string;
}

export interface TestSmtpServer {
  /** MAIL_URL, MAIL_FROM, MAIL_TLS_CA_FILE and fast retries, to pass as config. */
  readonly config: Record<string, unknown>;
  readonly received: ReceivedMail[];
  /** Refuses the next `count` recipients with `code` (4xx: try later; 5xx: never). */
  refuse(count: number, code: number, message?: string): void;
  /** RCPT TO commands seen, refused or not. */
  readonly recipientsSeen: string[];
  /** The mails to one address, waiting until there are at least `count`. */
  mailsTo(address: string, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export const SMTP_USER = 'gatehouse';
export const SMTP_PASSWORD = 'smtp p@ss/word';

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-smtp-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });

  const received: ReceivedMail[] = [];
  const recipientsSeen: string[] = [];
  const waiters = new Set<() => void>();
  let refusals: { count: number; code: number; message: string } = { count: 0, code: 0, message: '' };

  const server = new SMTPServer({
    secure: false,
    key: readFileSync(key),
    cert: readFileSync(cert),
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onMailFrom(_address, session, callback) {
      // Login required, and only over TLS (smtp-server refuses AUTH before STARTTLS).
      if (!session.user) return callback(Object.assign(new Error('Authentication required'), { responseCode: 530 }));
      return callback();
    },
    onRcptTo(address, _session, callback) {
      recipientsSeen.push(address.address);
      if (refusals.count > 0) {
        refusals.count -= 1;
        return callback(Object.assign(new Error(refusals.message), { responseCode: refusals.code }));
      }
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then((parsed) => {
          for (const rcpt of session.envelope.rcptTo) {
            received.push({
              to: rcpt.address,
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId ?? '',
              headers: parsed.headers as Map<string, unknown>,
              raw,
            });
          }
          for (const waiter of waiters) waiter();
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    config: {
      MAIL_URL: `smtp://${encodeURIComponent(SMTP_USER)}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}`,
      MAIL_FROM: 'Gatehouse <no-reply@gatehouse.test>',
      MAIL_TLS_CA_FILE: cert,
      MAIL_RETRY_BASE_MS: 200,
      MAIL_RETRY_MAX_MS: 1_000,
      MAIL_TIMEOUT_MS: 5_000,
    },
    received,
    recipientsSeen,
    refuse(count, code, message = code >= 500 ? 'No such mailbox' : 'Try again later') {
      refusals = { count, code, message };
    },
    async mailsTo(address, count = 1, timeoutMs = 10_000) {
      const mine = () => received.filter((mail) => mail.to.toLowerCase() === address.toLowerCase());
      if (mine().length >= count) return mine();
      return new Promise<ReceivedMail[]>((resolve, reject) => {
        const timeout = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} mail(s) to ${address} within ${timeoutMs} ms, got ${mine().length}`));
        }, timeoutMs);
        const check = () => {
          if (mine().length < count) return;
          clearTimeout(timeout);
          waiters.delete(check);
          resolve(mine());
        };
        waiters.add(check);
      });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The one link of a mail's plain text (it stands alone on its line). */
export function linkIn(mail: ReceivedMail): string {
  const links = mail.text.match(/^https?:\/\/\S+$/gm) ?? [];
  if (links.length !== 1) throw new Error(`expected one link in "${mail.subject}", found ${links.length}:\n${mail.text}`);
  return links[0]!;
}
