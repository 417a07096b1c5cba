import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_PARTY_CLIENT_ID } from '../../../src/contract/first-party.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';

// A key never holds more than the member's role nor more than the credential asking for it
// (DESIGN "API keys": "no wider than the creator's role"). The second half is the one a cap by
// the membership alone misses: an admin's token down-scoped to agent must not mint an admin key.
type Role = 'guest' | 'agent' | 'bot' | 'admin';
const cases: Array<[member: Role, tokenScope: Role, asked: Role, answer: 201 | 403]> = [
  ['admin', 'agent', 'admin', 403], ['admin', 'agent', 'bot', 403], ['admin', 'agent', 'agent', 201], ['admin', 'agent', 'guest', 201],
  ['admin', 'guest', 'agent', 403], ['bot', 'agent', 'bot', 403], ['bot', 'guest', 'guest', 201],
  // A token claiming more than the membership (e.g. issued before a demotion) is capped by the membership.
  ['agent', 'admin', 'admin', 403], ['agent', 'admin', 'bot', 403], ['agent', 'admin', 'agent', 201],
];

describe('apiKeys.create caps a key by the lower of membership role and token scope', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it.each(cases)('member %s with a %s token asking for %s → %i', async (member, tokenScope, asked, answer) => {
    const identity = tenant.identity(member, { role: tokenScope, scopes: [tokenScope], client_id: FIRST_PARTY_CLIENT_ID });
    const before = await api.runtime.db.knex('api_keys').where({ user_id: tenant.users[member].id }).count<{ n: number | string }[]>({ n: '*' });
    const res = await api.call(identity, 'POST', '/v2/api-keys', { name: `${member}-${tokenScope}-${asked}`, scopes: [asked] });
    const after = await api.runtime.db.knex('api_keys').where({ user_id: tenant.users[member].id }).count<{ n: number | string }[]>({ n: '*' });
    if (answer === 201) {
      expect([res.status, (res.body.data as { scopes: string[] }).scopes]).toEqual([201, [asked]]);
      expect(Number(after[0]!.n)).toBe(Number(before[0]!.n) + 1);
    } else {
      expect([res.status, res.body.error, res.body.details]).toEqual([403, 'insufficient_scope', { required_scope: asked }]);
      expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
    }
  });
});
