import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type Operation } from '../../src/contract/index.js';
import { ROLES, type Role } from '../../src/contract/roles.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { issueApiKey } from '../../src/db/api-keys.js';
import { hashPassword } from '../../src/shared/password.js';
import { answerOf } from '../helpers/http.js';
import { expectedToPass } from '../helpers/permission-table.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

// The whole path, as a client sees it: real API keys (seed 000, HTTP Basic) issued for each role,
// the gateway's authentication and permission checks, the signed assertion, and the resource
// API's own checks.
// Every contract operation × every role over REST and RPC; then the issue's "done when": a bot with
// an API key manages resources through REST and RPC.

const generous = {
  RATE_LIMIT_GUEST: 100_000, RATE_LIMIT_AGENT: 100_000, RATE_LIMIT_BOT: 100_000, RATE_LIMIT_ADMIN: 100_000,
  RATE_LIMIT_ORGANIZATION: 1_000_000, RATE_LIMIT_ANONYMOUS: 100_000, RATE_LIMIT_TOKEN_ENDPOINT: 100_000,
};

interface Org {
  id: string;
  /** `token` is the Authorization header value: the role's API key as HTTP Basic. */
  users: Record<Role, { id: string; email: string; token: string }>;
}

describe('through the gateway', () => {
  let gatehouse: TestGatehouse;
  const orgs: Org[] = [];

  async function send(token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit & { headers: Record<string, string> } = { method, headers: { ...headers } };
    if (token) init.headers.authorization ??= token;
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(gatehouse.url + path, init);
    const answer = await answerOf(res);
    const parsed = ('_text' in answer ? { raw: answer._text } : answer) as { ok?: boolean; data?: unknown; error?: string; [key: string]: unknown };
    return { status: res.status, body: parsed };
  }

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: generous });
    const knex = gatehouse.runtime.db.knex;
    const hashSecret = gatehouse.runtime.secrets.derive('api-key-hash');
    for (const name of ['A', 'B']) {
      const organization = await insertOrganization(knex, { name: `Gateway ${name}` });
      const users = {} as Org['users'];
      for (const role of ROLES) {
        const email = `${role}-${randomUUID().slice(0, 8)}@example.test`;
        const user = await insertUser(knex, { email, name: role, passwordHash: null, isBot: role === 'bot' });
        await insertMembership(knex, { userId: user.id, organizationId: organization.id, role });
        const { key } = await issueApiKey(
          knex,
          { organizationId: organization.id, userId: user.id, creatorRole: role, name: `${role} key`, scopes: [role], expiresAt: undefined },
          { hashSecret, maxLifetimeDays: 30, now: Date.now() },
        );
        users[role] = { id: user.id, email, token: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
      }
      orgs.push({ id: organization.id, users });
    }
  });
  afterAll(() => gatehouse.stop());

  const callable = operations.filter((operation) => !(operation.method === 'GET' && operation.path === '/health'));

  it.each(callable.map((operation) => [operation.name, operation] as const))('%s: every role, REST and RPC', async (_name, operation: Operation) => {
    const a = orgs[0]!;
    for (const role of ROLES) {
      const token = a.users[role].token;
      const path = `/v2${operation.path.replace(/\{\w+\}/g, randomUUID())}`;
      const rest = await send(token, operation.method, path, operation.method === 'GET' || operation.method === 'DELETE' ? undefined : {});
      const rpc = await send(token, 'POST', `/v1/${operation.name}`, operation.path.includes('{id}') ? { id: randomUUID() } : {});
      for (const [surface, res] of [['REST', rest], ['RPC', rpc]] as const) {
        const where = `${operation.name} as ${role} over ${surface}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        expect(res.status, where).toBeLessThan(500);
        expect(typeof res.body.ok, where).toBe('boolean');
        if (expectedToPass(operation.name, role)) {
          expect(res.status, where).not.toBe(401);
          expect(res.body.error, where).not.toBe('insufficient_scope');
        } else {
          expect([res.status, res.body.error], where).toEqual([403, 'insufficient_scope']);
        }
      }
    }
  });

  it('the self rule: a guest reads and renames itself by id, not another user', async () => {
    const a = orgs[0]!;
    const guest = a.users.guest;
    const own = await send(guest.token, 'GET', `/v2/users/${guest.id}`);
    expect(own.status).toBe(200);
    expect(own.body.data).toMatchObject({ id: guest.id, role: 'guest' });
    const renamed = await send(guest.token, 'POST', '/v1/users.update', { id: guest.id, name: 'Guest renamed' });
    expect(renamed.body.data).toMatchObject({ name: 'Guest renamed' });
    const other = await send(guest.token, 'GET', `/v2/users/${a.users.admin.id}`);
    expect([other.status, other.body.error]).toEqual([403, 'insufficient_scope']);
    const otherRpc = await send(guest.token, 'POST', '/v1/users.fetch', { id: a.users.admin.id });
    expect([otherRpc.status, otherRpc.body.error]).toEqual([403, 'insufficient_scope']);
  });

  it("organization B's token gets 404 for organization A's rows", async () => {
    const [a, b] = orgs as [Org, Org];
    const contact = await send(a.users.bot.token, 'POST', '/v2/contacts', { name: 'Only in A' });
    const id = (contact.body.data as { id: string }).id;
    const fetched = await send(b.users.admin.token, 'GET', `/contacts/${id}`);
    expect([fetched.status, fetched.body.error]).toEqual([404, 'not_found']);
    const removed = await send(b.users.admin.token, 'POST', '/v1/contacts.delete', { id });
    expect([removed.status, removed.body.error]).toEqual([404, 'not_found']);
  });

  it('a bot with an API key manages resources through REST and RPC (HTTP Basic, form and JSON)', async () => {
    const bot = orgs[0]!.users.bot;
    // An API key does not make keys (issue 17, finding 6): the bot's owner signs in first-party.
    const byKey = await send(bot.token, 'POST', '/v2/api-keys', { name: 'integration', scopes: ['bot'] });
    expect([byKey.status, byKey.body.error]).toEqual([403, 'first_party_required']);
    await gatehouse.runtime.db.knex('users').where({ id: bot.id }).update({ password_hash: await hashPassword('bot-password-1') });
    const signedIn = await send(undefined, 'POST', '/v2/auth/token', { email: bot.email, password: 'bot-password-1', organization: orgs[0]!.id });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    const created = await send(`Bearer ${String(signedIn.body.token)}`, 'POST', '/v2/api-keys', { name: 'integration', scopes: ['bot'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = (created.body.data as { key: string }).key;
    const basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    expect(basic).not.toBe(bot.token);

    const contact = await send(undefined, 'POST', '/v2/contacts', { name: 'Via key' }, { authorization: basic });
    expect(contact.status).toBe(201);
    const form = await send(undefined, 'POST', '/v1/forms.create', `name=Pre-chat&fields=${encodeURIComponent(JSON.stringify([{ key: 'email', label: 'Email', type: 'email' }]))}`, {
      authorization: basic, 'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status, JSON.stringify(form.body)).toBe(201);
    const groups = await send(undefined, 'POST', '/v1/organizationGroups.list', {}, { authorization: basic });
    expect(groups.status).toBe(200);
    const invite = await send(undefined, 'POST', '/v2/invitations', { email: 'x@example.test', role: 'agent' }, { authorization: basic });
    expect([invite.status, invite.body.error]).toEqual([403, 'insufficient_scope']);
    const events = await send(orgs[0]!.users.admin.token, 'GET', `/v2/audit-events?resource_id=${(contact.body.data as { id: string }).id}`);
    expect(events.body.data).toMatchObject([{ action: 'contacts.create', actor_kind: 'api_key' }]);
  });

  it('serves /openapi.json and /docs through the gateway without credentials', async () => {
    const document = await send(undefined, 'GET', '/openapi.json');
    expect([document.status, document.body.openapi]).toEqual([200, '3.1.0']);
    const docs = await fetch(`${gatehouse.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });
});
