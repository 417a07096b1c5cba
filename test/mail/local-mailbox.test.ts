import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_MAILBOX_NOTICE, start, type Started } from '../../src/cli/start.js';
import { ADMIN } from '../auth/helpers/oauth.js';
import { createTestRuntime } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { UserAgent } from '../auth/helpers/user-agent.js';
import { insertMembership, insertUser } from '../../src/db/accounts.js';
import { hashPassword } from '../../src/shared/password.js';

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

// Issue 18: "a page for the admin in development": the account page lists the kept mails to
// admins, in development without MAIL_URL only.
describe('the local mailbox on the account page', () => {
  async function startIn(nodeEnv: 'development' | 'production') {
    const port = await freePort();
    const runtime = await createTestRuntime({ config: { PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_ENV: nodeEnv } });
    return start({ config: runtime.config, logger: runtime.logger, role: 'all', runtime, print: () => {} });
  }

  async function accountPageOf(started: Started, user: { email: string; password: string }): Promise<string> {
    const agent = new UserAgent(started.urls.gateway!);
    const login = await agent.follow('/account');
    const signedIn = await agent.submit(login, user);
    return (await agent.follow(signedIn.location!)).body;
  }

  it('shows admins the kept mails in development, and nobody else, and never in production', async () => {
    const development = await startIn('development');
    const production = await startIn('production');
    try {
      for (const started of [development, production]) {
        const url = started.urls.gateway!;
        const token = (await call(url, 'POST', '/v2/auth/token', { body: ADMIN })).body.token as string;
        expect((await call(url, 'POST', '/v2/invitations', { token, body: { email: 'kept@example.test', role: 'agent' } })).status).toBe(201);
      }
      const page = await accountPageOf(development, ADMIN);
      expect(page).toContain('Local mailbox');
      expect(page).toMatch(/<strong>[^<]+<\/strong> to kept@example\.test · pending/);

      const agentUser = { email: `agent-${Date.now()}@example.test`, password: 'a long passphrase of my own 7' };
      const organizationId = (await development.runtime.db.knex('organizations').first('id')).id as string;
      const user = await insertUser(development.runtime.db.knex, { email: agentUser.email, name: 'Agent', passwordHash: await hashPassword(agentUser.password) });
      await insertMembership(development.runtime.db.knex, { userId: user.id, organizationId, role: 'agent' });
      const agentPage = await accountPageOf(development, agentUser);
      expect(agentPage).toContain('Signed in as');
      expect(agentPage).not.toContain('Local mailbox');
      expect(agentPage).not.toContain('kept@example.test');

      const productionPage = await accountPageOf(production, ADMIN);
      expect(productionPage).toContain('Signed in as');
      expect(productionPage).not.toContain('Local mailbox');
    } finally {
      await development.stop();
      await production.stop();
    }
  });
});
