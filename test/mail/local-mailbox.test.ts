import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_MAILBOX_NOTICE, start, type Started } from '../../src/cli/start.js';
import { ADMIN } from '../auth/helpers/oauth.js';
import { createTestRuntime } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';

// Issue 18: without MAIL_URL no mail leaves the machine; the start banner says where they wait.
describe('without MAIL_URL', () => {
  let started: Started;
  const printed: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const runtime = await createTestRuntime({ config: { PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}` } });
    started = await start({ config: runtime.config, logger: runtime.logger, role: 'all', runtime, print: (line) => printed.push(line) });
  });
  afterAll(() => started?.stop());

  it('says so at start, and keeps mails pending in the local mailbox', async () => {
    expect(printed).toContain(LOCAL_MAILBOX_NOTICE);
    expect(LOCAL_MAILBOX_NOTICE).toContain('`gatehouse mail list`');
    const url = started.urls.gateway!;
    const token = (await call(url, 'POST', '/v2/auth/token', { body: ADMIN })).body.token as string;
    expect((await call(url, 'POST', '/v2/invitations', { token, body: { email: 'kept@example.test', role: 'agent' } })).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mail = await started.runtime.db.knex('mails').where({ recipient: 'kept@example.test' }).first();
    expect(mail).toMatchObject({ status: 'pending', attempts: 0, sent_at: null });
  });
});
