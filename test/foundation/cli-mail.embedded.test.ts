import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/knex.js';
import { mailInvitation } from '../../src/domain/mails.js';
import { createInProcessBus } from '../../src/shared/bus.js';
import { runCli } from '../helpers/cli.js';

// Issue 17: the operator of the default (embedded) setup reads the local mailbox from the CLI.
describe('gatehouse mail', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-mail-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists the mailbox and shows one mail with its link; says when it works', async () => {
    const help = await runCli(['mail', 'list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('the running process answers');

    const empty = await runCli(['mail', 'list'], { DATA_DIR: dataDir });
    expect([empty.code, empty.stdout.trim()]).toEqual([0, 'no mails']);

    const db = createDatabase({ dataDir });
    const context = { config: { PUBLIC_URL: 'https://gatehouse.example', PRODUCT_NAME: 'Gatehouse', MAIL_LOCALE: 'en' as const }, bus: createInProcessBus() };
    const mail = await mailInvitation(db.knex, context, {
      to: 'dana@example.test', organizationName: 'Acme', role: 'agent',
      token: 'ghi_example-token', expiresAt: new Date('2026-12-08T09:00:00Z'),
    });
    await db.close();

    const listed = await runCli(['mail', 'list', '--json'], { DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{
      id: mail.id, to: 'dana@example.test', subject: 'You are invited to Acme on Gatehouse', purpose: 'invitation',
      status: 'pending', attempts: 0, last_error: null, created_at: mail.created_at.toISOString(), sent_at: null,
    }]);
    const shown = await runCli(['mail', 'show', mail.id], { DATA_DIR: dataDir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('To: dana@example.test');
    expect(shown.stdout).toContain('https://gatehouse.example/account/invitation?token=ghi_example-token');
    expect(shown.stdout).toContain('Status: pending after 0 attempt(s)');

    const missing = await runCli(['mail', 'show'], { DATA_DIR: dataDir });
    expect(missing.code).toBe(2);
    const unknown = await runCli(['mail', 'show', '00000000-0000-4000-8000-000000000000'], { DATA_DIR: dataDir });
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'gatehouse: no mail 00000000-0000-4000-8000-000000000000']);
  }, 240_000); // seven CLI processes, each loading the sources and opening the embedded database

  it('previews every template, in English and German, as text and as HTML', async () => {
    const env = { DATA_DIR: dataDir, PUBLIC_URL: 'https://help.example.com', PRODUCT_NAME: 'Acme Help' };
    const text = await runCli(['mail', 'preview', 'password_reset'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Subject: Reset your Acme Help password');
    expect(text.stdout).toMatch(/^https:\/\/help\.example\.com\/account\/password-reset\/confirm\?token=ghr_example$/m);
    const german = await runCli(['mail', 'preview', 'invitation', '--locale', 'de', '--html'], env);
    expect(german.code).toBe(0);
    expect(german.stdout).toContain('<html lang="de">');
    expect(german.stdout).toContain('Einladung annehmen');
    const unknown = await runCli(['mail', 'preview', 'newsletter'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the template must be one of invitation, account_activation, password_reset, password_changed, email_change, email_changed');
    const badLocale = await runCli(['mail', 'preview', 'invitation', '--locale', 'fr'], env);
    expect([badLocale.code, badLocale.stderr]).toEqual([2, expect.stringContaining('--locale must be one of en, de')]);
  }, 120_000); // four CLI processes
});
