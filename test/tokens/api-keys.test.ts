import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, isWellFormedApiKey } from '../../src/contract/api-key.js';
import { insertMembership, insertUser } from '../../src/db/accounts.js';
import { hashPassword } from '../../src/shared/password.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call } from '../helpers/http.js';
import { ADMIN, codeFlow, discover, registerClient } from '../auth/helpers/oauth.js';

interface CreatedKey {
  id: string;
  key: string;
  name: string;
  scopes: string[];
  prefix: string;
  expires_at: string;
  last_used_at: string | null;
}

describe('API keys end to end through the gateway (seeds 000, 001)', () => {
  let gatehouse: TestGatehouse;
  let orgId: string;
  const tokens: Record<string, string> = {};
  const userIds: Record<string, string> = {};

  async function signIn(email: string, password: string): Promise<string> {
    const res = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email, password } });
    expect(res.status).toBe(200);
    return res.body.token as string;
  }

  async function createKey(token: string, body: Record<string, unknown>): Promise<CreatedKey> {
    const res = await call(gatehouse.url, 'POST', '/v2/api-keys', { token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data as CreatedKey;
  }

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { RATE_LIMIT_TOKEN_ENDPOINT: 1_000 } });
    const knex = gatehouse.runtime.db.knex;
    orgId = (await knex('organizations').first('id')).id;
    tokens.admin = await signIn('admin@example.test', 'admin-password-1');
    for (const role of ['agent', 'bot'] as const) {
      const user = await insertUser(knex, { email: `${role}@example.test`, passwordHash: await hashPassword(`${role}-password`) });
      await insertMembership(knex, { userId: user.id, organizationId: orgId, role });
      userIds[role] = user.id;
      tokens[role] = await signIn(`${role}@example.test`, `${role}-password`);
    }
  });
  afterAll(() => gatehouse.stop());

  it('creates a key shown once, in the recognisable format, stored only as a hash', async () => {
    const created = await createKey(tokens.agent!, { name: 'CRM sync', scopes: ['agent'] });
    expect(created.key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(isWellFormedApiKey(created.key)).toBe(true);
    expect(created.prefix).toBe(created.key.slice(0, 8));
    expect(created).toMatchObject({ name: 'CRM sync', scopes: ['agent'], last_used_at: null });

    const fetched = await call(gatehouse.url, 'GET', `/v2/api-keys/${created.id}`, { token: tokens.agent });
    expect(fetched.status).toBe(200);
    expect(fetched.body.data).not.toHaveProperty('key');
    const row = await gatehouse.runtime.db.knex('api_keys').where({ id: created.id }).first();
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(8));
  });

  it('authenticates with HTTP Basic (key as username, empty password) and with Bearer, within its scope', async () => {
    const { key } = await createKey(tokens.bot!, { name: 'bot key', scopes: ['agent'] });
    const basic = await call(gatehouse.url, 'GET', '/v2/contacts', { basic: key });
    expect(basic.status).toBe(200);
    expect(basic.body.ok).toBe(true);
    const bearer = await call(gatehouse.url, 'GET', '/v2/contacts', { token: key });
    expect(bearer.status).toBe(200);
    // Creating a contact needs bot; the key holds agent although its creator is a bot.
    const denied = await call(gatehouse.url, 'POST', '/v2/contacts', { basic: key, body: { name: 'Ana' } });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ ok: false, error: 'insufficient_scope' });
    expect(String(denied.body.message)).toContain('bot');
    // RPC surface too.
    const rpc = await call(gatehouse.url, 'POST', '/v1/contacts.list', { basic: key, body: {} });
    expect(rpc.status).toBe(200);
  });

  it('refuses scopes wider than the creator’s role and malformed scope lists', async () => {
    const wider = await call(gatehouse.url, 'POST', '/v2/api-keys', { token: tokens.agent, body: { name: 'x', scopes: ['admin'] } });
    expect(wider.status).toBe(403);
    expect(wider.body.error).toBe('insufficient_scope');
    const unknown = await call(gatehouse.url, 'POST', '/v2/api-keys', { token: tokens.agent, body: { name: 'x', scopes: ['root'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('validation_failed');
    const none = await call(gatehouse.url, 'POST', '/v2/api-keys', { token: tokens.agent, body: { name: 'x', scopes: [] } });
    expect(none.status).toBe(400);
    const tooLong = await call(gatehouse.url, 'POST', '/v2/api-keys', {
      token: tokens.agent,
      body: { name: 'x', scopes: ['agent'], expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ error: 'validation_failed', details: { fields: [{ field: 'expiresAt' }] } });
  });

  it('stops a revoked key at the gateway within one second', async () => {
    const created = await createKey(tokens.agent!, { name: 'to revoke', scopes: ['guest'] });
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { basic: created.key })).status).toBe(200);
    const revokedAt = Date.now();
    const revoked = await call(gatehouse.url, 'DELETE', `/v2/api-keys/${created.id}`, { token: tokens.agent });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ ok: true, data: { id: created.id, deleted: true } });
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 1_000) {
      status = (await call(gatehouse.url, 'GET', '/v2/users/me', { basic: created.key })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });

  // Issue 17: demoting, disabling or removing a member ends their keys in that organization (it
  // used to shrink a demoted member's key to the new role; a removed member's key came back when
  // they were re-invited).
  it('ends a key with its creator\'s standing: demoted, disabled or removed, it stops', async () => {
    const knex = gatehouse.runtime.db.knex;
    for (const change of ['demote', 'disable', 'remove'] as const) {
      const email = `${change}d@example.test`;
      const user = await insertUser(knex, { email, passwordHash: await hashPassword('member-password') });
      await insertMembership(knex, { userId: user.id, organizationId: orgId, role: 'bot' });
      const token = await signIn(email, 'member-password');
      const { key, id } = await createKey(token, { name: 'bot scope', scopes: ['bot'] });
      expect((await call(gatehouse.url, 'POST', '/v2/contacts', { basic: key, body: { name: `Before ${change}` } })).status).toBe(201);

      const res = change === 'remove'
        ? await call(gatehouse.url, 'DELETE', `/v2/members/${user.id}`, { token: tokens.admin })
        : await call(gatehouse.url, 'PATCH', `/v2/members/${user.id}`, { token: tokens.admin, body: change === 'demote' ? { role: 'agent' } : { status: 'disabled' } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await expect.poll(async () => (await call(gatehouse.url, 'GET', '/v2/contacts', { basic: key })).status, { timeout: 1_000, interval: 50 }).toBe(401);
      expect((await knex('api_keys').where({ id }).first())?.revoked_at ?? (change === 'remove' ? 'deleted with the user' : null)).not.toBeNull();
    }
  });

  it('refuses an expired key', async () => {
    const { key } = await createKey(tokens.agent!, { name: 'short', scopes: ['guest'], expiresAt: new Date(Date.now() + 1_000).toISOString() });
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { basic: key })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await call(gatehouse.url, 'GET', '/v2/users/me', { basic: key });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ ok: false, error: 'invalid_auth' });
  });

  it('answers malformed credentials with 401 JSON, never 500', async () => {
    const { key } = await createKey(tokens.agent!, { name: 'malformed', scopes: ['guest'] });
    const cases: Array<[string, Record<string, string>]> = [
      ['Basic :key (password instead of username)', { authorization: `Basic ${Buffer.from(`:${key}`).toString('base64')}` }],
      ['bad base64', { authorization: 'Basic !!!not-base64!!!' }],
      ['key with a non-empty password', { authorization: `Basic ${Buffer.from(`${key}:secret`).toString('base64')}` }],
      ['mistyped key (bad checksum)', { authorization: `Basic ${Buffer.from(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}:`).toString('base64')}` }],
      ['unknown scheme', { authorization: `Token ${key}` }],
      ['empty Basic', { authorization: 'Basic ' }],
    ];
    for (const [label, headers] of cases) {
      const res = await call(gatehouse.url, 'GET', '/v2/users/me', { headers });
      expect(res.status, label).toBe(401);
      expect(res.body, label).toMatchObject({ ok: false, error: 'invalid_auth' });
    }
  });

  it('refuses two Authorization headers, a lowercase scheme and keys in the query string', async () => {
    const { key } = await createKey(tokens.agent!, { name: 'twice', scopes: ['guest'] });
    // node's own parser keeps only the first Authorization header, so the request goes out raw.
    const { port } = new URL(gatehouse.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `GET /v2/users/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
            `Authorization: Basic ${Buffer.from(`${key}:`).toString('base64')}\r\nConnection: close\r\n\r\n`,
        );
      });
      let response = '';
      socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
      socket.on('end', () => resolve(response));
      socket.on('error', reject);
    });
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: false, error: 'invalid_auth' });

    const lowercase = await call(gatehouse.url, 'GET', '/v2/users/me', { headers: { authorization: `basic ${Buffer.from(`${key}:`).toString('base64')}` } });
    expect(lowercase.status).toBe(401);
    expect(lowercase.body).toMatchObject({ ok: false, error: 'invalid_auth' });

    const inQuery = await call(gatehouse.url, 'GET', `/v2/users/me?api_key=${key}`);
    expect(inQuery.status).toBe(400);
    expect(inQuery.body.ok).toBe(false);
  });

  it('lets admins list and revoke every key of the organization; others see only their own', async () => {
    const agentKey = await createKey(tokens.agent!, { name: 'agent own', scopes: ['agent'] });
    const botView = await call(gatehouse.url, 'GET', `/v2/api-keys/${agentKey.id}`, { token: tokens.bot });
    expect(botView.status).toBe(404);
    expect((await call(gatehouse.url, 'DELETE', `/v2/api-keys/${agentKey.id}`, { token: tokens.bot })).status).toBe(404);

    const ownList = await call(gatehouse.url, 'GET', '/v2/api-keys', { token: tokens.bot });
    expect((ownList.body.data as CreatedKey[]).every((k) => k.id !== agentKey.id)).toBe(true);

    const orgList = await call(gatehouse.url, 'GET', `/v2/organization/api-keys?user_id=${userIds.agent}`, { token: tokens.admin });
    expect(orgList.status).toBe(200);
    expect((orgList.body.data as CreatedKey[]).map((k) => k.id)).toContain(agentKey.id);
    expect((await call(gatehouse.url, 'GET', '/v2/organization/api-keys', { token: tokens.agent })).status).toBe(403);

    expect((await call(gatehouse.url, 'DELETE', `/v2/api-keys/${agentKey.id}`, { token: tokens.admin })).status).toBe(200);
    await expect.poll(async () => (await call(gatehouse.url, 'GET', '/v2/users/me', { basic: agentKey.key })).status, { timeout: 1_000, interval: 50 }).toBe(401);
  });

  it('records last use at most once a minute', async () => {
    const created = await createKey(tokens.agent!, { name: 'usage', scopes: ['guest'] });
    await call(gatehouse.url, 'GET', '/v2/users/me', { basic: created.key });
    const knex = gatehouse.runtime.db.knex;
    await expect.poll(async () => (await knex('api_keys').where({ id: created.id }).first()).last_used_at, { timeout: 1_000 }).not.toBeNull();
    const first = (await knex('api_keys').where({ id: created.id }).first()).last_used_at as Date;
    await call(gatehouse.url, 'GET', '/v2/users/me', { basic: created.key });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(((await knex('api_keys').where({ id: created.id }).first()).last_used_at as Date).getTime()).toBe(first.getTime());
  });
});

describe('API keys need a first-party credential (issue 17, finding 6)', () => {
  let gatehouse: TestGatehouse;
  let orgId: string;
  let firstParty: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { RATE_LIMIT_TOKEN_ENDPOINT: 1_000 } });
    orgId = (await gatehouse.runtime.db.knex('organizations').first('id')).id as string;
    const signedIn = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: ADMIN });
    expect(signedIn.status).toBe(200);
    firstParty = signedIn.body.token as string;
  });
  afterAll(() => gatehouse.stop());

  const body = { name: 'forever', scopes: ['admin'] };

  it("refuses a third-party app's OAuth token (authorization code flow): 403 first_party_required, no key stored", async () => {
    const redirectUri = 'http://127.0.0.1:9999/cb';
    const app = await registerClient(gatehouse, { type: 'web', redirect_uris: [redirectUri] });
    const { tokens } = await codeFlow(gatehouse, await discover(gatehouse, app.client.id, app.clientSecret), { redirectUri, scope: 'admin' });
    // The token is good for the API: the app may do what the user consented to ...
    expect((await call(gatehouse.url, 'GET', '/v2/users/me', { token: tokens.access_token })).status).toBe(200);
    // ... but not mint itself a key that outlives the grant.
    const before = Number((await gatehouse.runtime.db.knex('api_keys').count({ n: '*' }))[0]!.n);
    for (const path of ['/v2/api-keys', '/api-keys']) {
      const refused = await call(gatehouse.url, 'POST', path, { token: tokens.access_token, body });
      expect([refused.status, refused.body.ok, refused.body.error], path).toEqual([403, false, 'first_party_required']);
    }
    const rpc = await call(gatehouse.url, 'POST', '/v1/apiKeys.create', { token: tokens.access_token, body });
    expect([rpc.status, rpc.body.error]).toEqual([403, 'first_party_required']);
    expect(Number((await gatehouse.runtime.db.knex('api_keys').count({ n: '*' }))[0]!.n)).toBe(before);
  });

  it('refuses an API key creating another key: 403 first_party_required', async () => {
    const made = await call(gatehouse.url, 'POST', '/v2/api-keys', { token: firstParty, body: { name: 'integration', scopes: ['bot'] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const key = (made.body.data as CreatedKey).key;
    for (const auth of [{ basic: key }, { token: key }]) {
      const refused = await call(gatehouse.url, 'POST', '/v2/api-keys', { ...auth, body: { name: 'child', scopes: ['guest'] } });
      expect([refused.status, refused.body.error]).toEqual([403, 'first_party_required']);
    }
  });

  it('still creates keys with a token from POST /v2/auth/token', async () => {
    const made = await call(gatehouse.url, 'POST', '/v2/api-keys', { token: firstParty, body });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.data).toMatchObject({ scopes: ['admin'], organization_id: orgId });
  });

  it("caps a key by the token's scope, not the member's current role: promoted after sign-in, the old token makes no admin key", async () => {
    const knex = gatehouse.runtime.db.knex;
    const user = await insertUser(knex, { email: 'promoted@example.test', passwordHash: await hashPassword('promoted-password') });
    await insertMembership(knex, { userId: user.id, organizationId: orgId, role: 'agent' });
    const signedIn = await call(gatehouse.url, 'POST', '/v2/auth/token', { body: { email: 'promoted@example.test', password: 'promoted-password' } });
    const agentToken = signedIn.body.token as string;
    expect(signedIn.body.scope).toBe('agent');
    const promoted = await call(gatehouse.url, 'PATCH', `/v2/members/${user.id}`, { token: firstParty, body: { role: 'admin' } });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);

    const wider = await call(gatehouse.url, 'POST', '/v2/api-keys', { token: agentToken, body: { name: 'wide', scopes: ['admin'] } });
    expect([wider.status, wider.body.error]).toEqual([403, 'insufficient_scope']);
    const within = await call(gatehouse.url, 'POST', '/v2/api-keys', { token: agentToken, body: { name: 'narrow', scopes: ['agent'] } });
    expect(within.status, JSON.stringify(within.body)).toBe(201);
  });
});
