import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/knex.js';
import { mailInvitation } from '../../src/domain/mails.js';
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
    const mail = await mailInvitation(db.knex, {
      publicUrl: 'https://gatehouse.example', to: 'dana@example.test', organizationName: 'Acme', role: 'agent',
      token: 'ghi_example-token', expiresAt: new Date('2026-12-08T09:00:00Z'),
    });
    await db.close();

    const listed = await runCli(['mail', 'list', '--json'], { DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{
      id: mail.id, to: 'dana@example.test', subject: 'You are invited to Acme on Gatehouse', purpose: 'invitation',
      created_at: mail.created_at.toISOString(), sent_at: null,
    }]);
    const shown = await runCli(['mail', 'show', mail.id], { DATA_DIR: dataDir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('To: dana@example.test');
    expect(shown.stdout).toContain('https://gatehouse.example/account/invitation?token=ghi_example-token');

    const missing = await runCli(['mail', 'show'], { DATA_DIR: dataDir });
    expect(missing.code).toBe(2);
    const unknown = await runCli(['mail', 'show', '00000000-0000-4000-8000-000000000000'], { DATA_DIR: dataDir });
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'gatehouse: no mail 00000000-0000-4000-8000-000000000000']);
  }, 240_000); // seven CLI processes, each loading the sources and opening the embedded database
});
