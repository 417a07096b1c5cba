import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAttempts, type MailRow } from '../../src/db/mails.js';
import { mailInvitation } from '../../src/domain/mails.js';
import { ADMIN } from '../auth/helpers/oauth.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';
import { linkIn, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';

// Issue 18, delivery: mails written with a change reach a real SMTP server (STARTTLS, login) once
// the change commits, woken on the event bus (polling is set to ten minutes here, so only the bus
// can be what wakes the sender), never for a rolled-back change; a refusal is retried with backoff
// and every attempt is logged; a permanent refusal fails the mail at once.
describe('mail delivery over SMTP', () => {
  let smtp: TestSmtpServer;
  let gatehouse: TestGatehouse;
  let adminToken: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gatehouse = await startTestGatehouse({ config: { ...smtp.config, MAIL_POLL_INTERVAL_MS: 600_000 } });
    const signIn = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: ADMIN });
    adminToken = signIn.body.token as string;
  });
  afterAll(async () => {
    await gatehouse?.stop();
    await smtp?.close();
  });

  const knex = () => gatehouse.runtime.db.knex;
  const invite = async (email: string) => {
    const res = await call(gatehouse.url, 'POST', '/v2/invitations', { token: adminToken, body: { email, role: 'agent' } });
    expect(res.status).toBe(201);
  };
  const mailRowTo = async (email: string) => (await knex()('mails').where({ recipient: email }).first()) as MailRow;

  it('sends an invitation over STARTTLS with a login: plain text and HTML, the same link, nothing fetched from elsewhere; the delivery log says sent', async () => {
    await invite('dana@example.test');
    const [mail] = await smtp.mailsTo('dana@example.test');
    expect(mail!.from).toBe('"Gatehouse" <no-reply@gatehouse.test>');
    expect(mail!.subject).toBe('You are invited to Default organization on Gatehouse');
    const link = linkIn(mail!);
    expect(link.startsWith(`${gatehouse.runtime.config.PUBLIC_URL}/account/invitation?token=ghi_`)).toBe(true);
    // The HTML links to that page and nowhere else, and loads nothing.
    expect([...mail!.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'))).toEqual([link]);
    expect(mail!.html).not.toMatch(/<img|<link|<script|src=|url\(|@import/i);
    expect(mail!.html).toContain('<html lang="en">');
    expect(mail!.raw).toMatch(/^Content-Language: en$/m);

    await expect.poll(async () => (await mailRowTo('dana@example.test')).status).toBe('sent');
    const row = await mailRowTo('dana@example.test');
    expect(row).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
    expect(row.sent_at).toBeInstanceOf(Date);
    expect(mail!.messageId).toBe(`<${row.id}@gatehouse.test>`);
    expect((await listAttempts(knex(), row.id)).map((a) => [a.attempt, a.outcome, a.error])).toEqual([[1, 'sent', null]]);
  });

  it('retries a refused mail with backoff and logs every attempt, then delivers it with the same Message-ID', async () => {
    smtp.refuse(2, 451, 'Greylisted, try again later');
    await invite('erin@example.test');
    const [mail] = await smtp.mailsTo('erin@example.test');
    await expect.poll(async () => (await mailRowTo('erin@example.test')).status).toBe('sent');
    const row = await mailRowTo('erin@example.test');
    expect(row.attempts).toBe(3);
    expect(row.last_error).toMatch(/^EENVELOPE 451: .*Greylisted, try again later/);
    expect(mail!.messageId).toBe(`<${row.id}@gatehouse.test>`);
    const attempts = await listAttempts(knex(), row.id);
    expect(attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'sent']);
    // Backoff with jitter: the second retry waited at least half of twice the base (200 ms).
    const gap = (i: number) => attempts[i]!.started_at.getTime() - attempts[i - 1]!.finished_at.getTime();
    expect(gap(1)).toBeGreaterThanOrEqual(100);
    expect(gap(2)).toBeGreaterThanOrEqual(200);
    expect(smtp.recipientsSeen.filter((r) => r === 'erin@example.test')).toHaveLength(3);
  });

  it('fails a mail the server refuses for good (5xx) at once, and says why', async () => {
    smtp.refuse(1, 550, 'No such mailbox here');
    await invite('nobody@example.test');
    await expect.poll(async () => (await mailRowTo('nobody@example.test')).status).toBe('failed');
    const row = await mailRowTo('nobody@example.test');
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/^EENVELOPE 550: .*No such mailbox here/);
    expect((await listAttempts(knex(), row.id)).map((a) => a.outcome)).toEqual(['failed']);
    expect(smtp.received.filter((m) => m.to === 'nobody@example.test')).toEqual([]);
  });

  it('never sends the mail of a rolled-back change, and sends the committed one after it', async () => {
    const { runtime } = gatehouse;
    const mail = { organizationName: 'Acme', role: 'agent' as const, token: 'ghi_rolled-back', expiresAt: new Date(Date.now() + 3_600_000) };
    await expect(knex().transaction(async (trx) => {
      await mailInvitation(trx, runtime, { ...mail, to: 'rolled-back@example.test' });
      throw new Error('the change fails after its mail was written');
    })).rejects.toThrow('the change fails');
    await knex().transaction((trx) => mailInvitation(trx, runtime, { ...mail, to: 'committed@example.test' }));

    await smtp.mailsTo('committed@example.test');
    expect(await knex()('mails').where({ recipient: 'rolled-back@example.test' })).toEqual([]);
    expect(smtp.recipientsSeen).not.toContain('rolled-back@example.test');
  });
});
