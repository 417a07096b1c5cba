import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMembership, insertOrganization, insertUser } from '../../../src/db/accounts.js';
import { issueApiKey } from '../../../src/db/api-keys.js';
import type { Role } from '../../../src/contract/roles.js';
import { startTestGatehouse, type TestGatehouse } from '../../helpers/gatehouse.js';

// Seed 002's conversation endpoints by their literal paths, both prefixes, and seed 000's RPC,
// through the real gateway with real API keys (HTTP Basic, seed 000): the bot answers with a
// carousel, the agent rates, every role's refusal is the gateway's and the API's alike.

describe('conversations through the gateway', () => {
  let gatehouse: TestGatehouse;
  const keys = {} as Record<Role, string>;

  async function send(role: Role, method: string, path: string, body?: unknown) {
    const init: RequestInit & { headers: Record<string, string> } = { method, headers: { authorization: keys[role] } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const res = await fetch(gatehouse.url + path, init);
    return { status: res.status, body: (await res.json()) as { ok: boolean; data?: Record<string, unknown>; error?: string } };
  }

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const knex = gatehouse.runtime.db.knex;
    const organization = await insertOrganization(knex, { name: 'Gateway chat' });
    for (const role of ['guest', 'agent', 'bot', 'admin'] as const) {
      const user = await insertUser(knex, { email: `${role}-${randomUUID().slice(0, 8)}@example.test`, name: role, passwordHash: null, isBot: role === 'bot' });
      await insertMembership(knex, { userId: user.id, organizationId: organization.id, role });
      const { key } = await issueApiKey(
        knex,
        { organizationId: organization.id, userId: user.id, creatorRole: role, name: `${role} key`, scopes: [role], expiresAt: undefined },
        { hashSecret: gatehouse.runtime.secrets.derive('api-key-hash'), maxLifetimeDays: 30, now: Date.now() },
      );
      keys[role] = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    }
  });
  afterAll(() => gatehouse.stop());

  it.each(['/v2', ''])('the seed-002 paths under "%s", and RPC', async (prefix) => {
    const created = await send('agent', 'POST', `${prefix}/conversations`, { subject: 'Through the gateway' });
    expect(created.status).toBe(201);
    const token = String(created.body.data!.token);
    expect(token).toMatch(/^cnv_[A-Za-z0-9]{24}$/);

    const carousel = {
      type: 'carousel', fallback_text: 'Cards',
      cards: [{ id: 'gold', title: 'Gold', buttons: [{ id: 'apply', type: 'postback', title: 'Apply' }] }, { id: 'green', title: 'Green' }],
    };
    const offer = await send('bot', 'POST', `${prefix}/conversations/${token}/messages`, { content: carousel });
    expect([offer.status, offer.body.data?.author]).toEqual([201, { type: 'bot', id: expect.any(String), name: 'bot' }]);
    const click = await send('agent', 'POST', `${prefix}/conversations/${token}/messages`, { postback: { message_id: offer.body.data!.id, element_id: 'apply' } });
    expect([click.status, click.body.data?.text]).toEqual([201, 'Apply']);

    const details = await send('agent', 'GET', `${prefix}/conversations/${token}`);
    expect(details.status).toBe(200);
    expect(Object.keys(details.body.data!)).toEqual(expect.arrayContaining(['messages', 'visitor', 'tags', 'summary']));
    expect((details.body.data!.messages as unknown[]).length).toBe(2);
    const history = await send('agent', 'GET', `${prefix}/conversations/${token}/messages?after=2`);
    expect((history.body.data as unknown as { text: string }[]).map((m) => m.text)).toEqual(['Apply']);
    const rated = await send('agent', 'POST', `${prefix}/conversations/${token}/rate`, { score: 4 });
    expect([rated.status, (rated.body.data!.rating as { score: number }).score]).toEqual([200, 4]);
    const listed = await send('agent', 'GET', `${prefix}/conversations`);
    expect((listed.body.data as unknown as { token: string }[]).map((row) => row.token)).toContain(token);

    const rpc = await send('bot', 'POST', '/v1/conversations.history', { token, limit: 1 });
    expect([rpc.status, (rpc.body.data as unknown as unknown[]).length]).toEqual([200, 1]);
    const closed = await send('admin', 'POST', '/v1/conversations.update', { token, status: 'closed', end_reason: 'resolved' });
    expect([closed.status, closed.body.data?.status]).toEqual([200, 'closed']);
  });

  it("seed 001's refusals through the gateway: a guest cannot list or start, an agent cannot update, a guest outsider gets 404", async () => {
    const token = String((await send('agent', 'POST', '/v2/conversations', {})).body.data!.token);
    const cases: [Role, string, string, unknown, number, string][] = [
      ['guest', 'GET', '/v2/conversations', undefined, 403, 'insufficient_scope'],
      ['guest', 'POST', '/v2/conversations', {}, 403, 'insufficient_scope'],
      ['agent', 'PATCH', `/v2/conversations/${token}`, { summary: 'x' }, 403, 'insufficient_scope'],
      ['bot', 'DELETE', `/v2/conversations/${token}`, undefined, 403, 'insufficient_scope'],
      ['agent', 'GET', '/v2/messages', undefined, 403, 'insufficient_scope'],
      ['guest', 'GET', `/v2/conversations/${token}`, undefined, 404, 'not_found'],
      ['guest', 'POST', `/v2/conversations/${token}/messages`, { content: { type: 'text', text: 'hi' } }, 404, 'not_found'],
      ['guest', 'POST', `/v2/conversations/${token}/rate`, { score: 1 }, 404, 'not_found'],
    ];
    for (const [role, method, path, body, status, error] of cases) {
      const res = await send(role, method, path, body);
      expect([res.status, res.body.error], `${role} ${method} ${path}`).toEqual([status, error]);
    }
  });
});
