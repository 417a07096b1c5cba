import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiKeyHandlers } from '../../src/api/api-keys/handlers.js';
import type { Handler, HandlerInput } from '../../src/api/handler.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { hashApiKey } from '../../src/contract/api-key.js';
import type { Identity } from '../../src/contract/identity.js';
import type { Role } from '../../src/contract/roles.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { findApiKeyByHash, issueApiKey, markApiKeyRevoked, rehashApiKey, touchApiKey } from '../../src/db/api-keys.js';
import { fixedClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { createTestRuntime } from '../helpers/runtime.js';

// API keys in process on the real database: the handlers (api/api-keys/handlers.ts) called as
// the resource API calls them, and the rows beneath them (db/api-keys.ts). A key never holds more
// than its creator's role in the organization, nor more than the credential that asked for it;
// only the user's own first-party credential makes one; a member sees its own keys, an admin
// all of them. Every answer is written out.

/** 2026-11-21T12:00:00Z */
const NOW = 1_795_262_400_000;
const DAY = 86_400_000;
const MAX_DAYS = 30;
const HASH_SECRET = new Uint8Array(32).fill(3);

type Refusal = [code: string, status: number, message: string, details: unknown];

function refusalOf(err: unknown): Refusal {
  if (!(err instanceof AppError)) throw err;
  return [err.code, err.status, err.message, err.details];
}

const handler = (name: string): Handler => apiKeyHandlers.find((binding) => binding.operation.name === name)!.handler;

describe('API keys: handlers and rows', () => {
  let runtime: OwnedRuntime;
  const clock = fixedClock(NOW);
  let org: string;
  let other: string;
  let serial = 0;

  beforeAll(async () => {
    runtime = await createTestRuntime({ clock, config: { API_KEY_MAX_LIFETIME_DAYS: MAX_DAYS } });
    other = (await insertOrganization(runtime.db.knex, { name: 'Keys elsewhere' })).id;
  });
  afterAll(() => runtime.close());
  beforeEach(async () => {
    clock.set(NOW);
    org = (await insertOrganization(runtime.db.knex, { name: `Keys ${++serial}` })).id;
  });

  async function member(role: Role, options: { disabled?: boolean } = {}): Promise<string> {
    const id = (await insertUser(runtime.db.knex, { email: `keys-${++serial}@example.test`, passwordHash: null })).id;
    await insertMembership(runtime.db.knex, { userId: id, organizationId: org, role });
    if (options.disabled) await runtime.db.knex('memberships').where({ user_id: id, organization_id: org }).update({ disabled_at: new Date(NOW - DAY) });
    return id;
  }

  /** A first-party token's identity unless told otherwise; `scope` is the credential's role. */
  function identity(sub: string, scope: Role, kind: Partial<Pick<Identity, 'kind' | 'client_id' | 'key_id'>> = {}): Identity {
    return { sub, org, role: scope, scopes: [scope], kind: 'user', client_id: 'gatehouse-first-party', ...kind } as Identity;
  }

  function call(name: string, who: Identity, args: { body?: Record<string, unknown>; params?: Record<string, unknown>; query?: Record<string, unknown> } = {}) {
    const operation = apiKeyHandlers.find((binding) => binding.operation.name === name)!.operation;
    const input = {
      runtime, knex: runtime.db.knex, operation, identity: who, requestId: `req-${name}`, headers: {}, events: undefined as never,
      body: args.body ?? {}, params: args.params ?? {}, query: args.query ?? {},
    } as unknown as HandlerInput;
    return handler(name)(input) as Promise<{ data: Record<string, unknown> & Array<Record<string, unknown>> }>;
  }

  const create = (who: Identity, body: Record<string, unknown>) => call('apiKeys.create', who, { body });

  describe('creating a key', () => {
    // member's role, credential's scope, scopes asked → the key's scopes, or the refusal
    const cap = (role: Role, widest: string): Refusal => ['insufficient_scope', 403, `A key may not hold more than your role (${role}); it asked for ${widest}.`, { required_scope: widest }];
    const cases: Array<[Role, Role, string[], string[] | Refusal]> = [
      ['admin', 'admin', ['admin'], ['admin']],
      ['admin', 'admin', ['bot', 'agent'], ['bot', 'agent']],
      ['bot', 'bot', ['bot'], ['bot']],
      ['bot', 'bot', ['admin'], cap('bot', 'admin')],
      ['agent', 'agent', ['agent', 'bot'], cap('agent', 'bot')],
      ['guest', 'guest', ['guest'], ['guest']],
      // A token below the member's role caps the key at the token.
      ['admin', 'agent', ['bot'], cap('agent', 'bot')],
      ['admin', 'agent', ['agent'], ['agent']],
      ['admin', 'guest', ['agent'], cap('guest', 'agent')],
      // A token claiming more than the membership is capped by the membership.
      ['agent', 'admin', ['admin'], cap('agent', 'admin')],
      ['agent', 'admin', ['agent'], ['agent']],
    ];
    // (Named in words: Stryker selects tests by name as a pattern, and brackets would not match.)
    it.each(cases.map(([role, scope, scopes, expected]) => [`a ${role} member with a ${scope} token asking ${scopes.join(' and ')}`, role, scope, scopes, expected] as const))('%s', async (_name, role, scope, scopes, expected) => {
      const me = await member(role);
      const made = await create(identity(me, scope), { name: 'bot key', scopes }).catch((err: unknown) => refusalOf(err));
      if (Array.isArray(made)) {
        expect(made).toStrictEqual(expected);
        expect(await runtime.db.knex('api_keys').where({ user_id: me })).toStrictEqual([]);
        return;
      }
      expect(made.data.scopes).toStrictEqual(expected);
    });

    it('answers the key once, stores only its keyed hash, and records the change', async () => {
      const me = await member('admin');
      const { data } = await create(identity(me, 'admin'), { name: 'deploy bot', scopes: ['bot'], expiresAt: new Date(NOW + 7 * DAY).toISOString() });
      const key = data.key as string;
      expect(Object.keys(data).sort()).toStrictEqual(['created_at', 'expires_at', 'id', 'key', 'last_used_at', 'name', 'organization_id', 'prefix', 'revoked_at', 'scopes', 'user_id']);
      expect([data.name, data.scopes, data.user_id, data.organization_id, data.expires_at, data.last_used_at, data.revoked_at, data.prefix])
        .toStrictEqual(['deploy bot', ['bot'], me, org, '2026-11-28T12:00:00.000Z', null, null, key.slice(0, 8)]);
      const stored = (await runtime.db.knex('api_keys').where({ id: data.id }).first()) as Record<string, unknown>;
      expect(stored.secret_hash).toBe(hashApiKey(key, runtime.secrets.derive('api-key-hash')));
      expect(JSON.stringify(stored)).not.toContain(key.slice(8));
      const audit = await runtime.db.knex('audit_events').where({ resource_id: data.id }).select('actor_id', 'action', 'resource_type', 'changes');
      expect(audit).toStrictEqual([{ actor_id: me, action: 'apiKeys.create', resource_type: 'api_key', changes: { name: 'deploy bot', scopes: ['bot'], expires_at: '2026-11-28T12:00:00.000Z' } }]);
    });

    const notFirstParty = ['first_party_required', 403, 'API keys are created on the account page or with a token from POST /v2/auth/token; an OAuth app\'s token, a service client or an API key cannot create one.', undefined];
    const credentials: Array<[string, Partial<Pick<Identity, 'kind' | 'client_id' | 'key_id'>>, Refusal]> = [
      ['an OAuth app\'s token', { client_id: 'third-party-app' }, notFirstParty as Refusal],
      ['a token without a client', { client_id: undefined }, notFirstParty as Refusal],
      ['an API key', { kind: 'api_key', client_id: undefined, key_id: 'key-1' }, notFirstParty as Refusal],
      ['a visitor token', { kind: 'visitor', client_id: 'gatehouse-first-party' }, notFirstParty as Refusal],
      ['a service client', { kind: 'client', client_id: 'gatehouse-first-party' }, ['forbidden', 403, 'This operation acts on the calling user; a service client (client credentials) has none.', undefined]],
    ];
    it.each(credentials)('with %s: refused', async (_name, kind, refusal) => {
      const me = await member('admin');
      expect(refusalOf(await create(identity(me, 'admin', kind), { name: 'k', scopes: ['agent'] }).catch((err: unknown) => err))).toStrictEqual(refusal);
      expect(await runtime.db.knex('api_keys').where({ user_id: me })).toStrictEqual([]);
    });

    it('a disabled member, or a member of another organization only, makes none', async () => {
      const disabled = await member('admin', { disabled: true });
      const outsider = (await insertUser(runtime.db.knex, { email: `outsider-${++serial}@example.test`, passwordHash: null })).id;
      await insertMembership(runtime.db.knex, { userId: outsider, organizationId: other, role: 'admin' });
      for (const who of [disabled, outsider]) {
        expect(refusalOf(await create(identity(who, 'admin'), { name: 'k', scopes: ['agent'] }).catch((err: unknown) => err)))
          .toStrictEqual(['forbidden', 403, 'Only members of the organization can create its API keys.', undefined]);
      }
    });

    // expiresAt asked (ms from now) → stored expiry (ms from now), or refused
    const lifetime = `must be in the future and at most ${MAX_DAYS} days away`;
    const tooLong: Refusal = ['validation_failed', 400, `expiresAt: ${lifetime}.`, { fields: [{ field: 'expiresAt', message: lifetime }] }];
    const expiries: Array<[string, number | undefined, number | Refusal]> = [
      ['none: the longest', undefined, MAX_DAYS * DAY],
      ['exactly the longest', MAX_DAYS * DAY, MAX_DAYS * DAY],
      ['a millisecond more than the longest', MAX_DAYS * DAY + 1, tooLong],
      ['a millisecond from now', 1, 1],
      ['now', 0, tooLong],
      ['in the past', -DAY, tooLong],
    ];
    it.each(expiries)('expiry %s', async (_name, asked, expected) => {
      const me = await member('agent');
      const body = { name: 'k', scopes: ['agent'], ...(asked === undefined ? {} : { expiresAt: new Date(NOW + asked).toISOString() }) };
      const made = await create(identity(me, 'agent'), body).catch((err: unknown) => refusalOf(err));
      if (Array.isArray(made)) expect(made).toStrictEqual(expected);
      else expect(Date.parse(made.data.expires_at as string) - NOW).toBe(expected);
    });

    const badScopes: Array<[string, string[]]> = [['none', []], ['a repeated scope', ['agent', 'agent']], ['a scope that is no role', ['openid']], ['a role and a non-role', ['agent', 'superuser']]];
    it.each(badScopes)('scopes: %s is refused', async (_name, scopes) => {
      const me = await member('admin');
      expect(refusalOf(await create(identity(me, 'admin'), { name: 'k', scopes }).catch((err: unknown) => err)))
        .toStrictEqual(['validation_failed', 400, 'scopes: must be distinct role scopes (guest, agent, bot, admin).', { fields: [{ field: 'scopes', message: 'must be distinct role scopes' }] }]);
    });
  });

  describe('seeing and deleting keys', () => {
    async function keyOf(userId: string, name: string, organizationId = org) {
      const { row } = await issueApiKey(runtime.db.knex, { organizationId, userId, creatorRole: 'admin', name, scopes: ['guest'], expiresAt: new Date(NOW + DAY) },
        { hashSecret: HASH_SECRET, maxLifetimeDays: MAX_DAYS, now: NOW });
      return row.id;
    }

    it('a member lists its own keys; an admin lists the organization\'s, revoked ones on request', async () => {
      const admin = await member('admin');
      const agent = await member('agent');
      const mine = await keyOf(agent, 'agent key');
      const revoked = await keyOf(agent, 'agent key, revoked');
      await keyOf(admin, 'admin key');
      await keyOf(agent, 'elsewhere', other);
      await markApiKeyRevoked(runtime.db.knex, org, revoked, new Date(NOW));
      const names = (res: { data: Array<Record<string, unknown>> }) => res.data.map((key) => key.name).sort();
      expect(names(await call('apiKeys.list', identity(agent, 'agent'), { query: { limit: 50 } }))).toStrictEqual(['agent key']);
      expect(names(await call('organizationApiKeys.list', identity(admin, 'admin'), { query: { limit: 50 } }))).toStrictEqual(['admin key', 'agent key']);
      expect(names(await call('organizationApiKeys.list', identity(admin, 'admin'), { query: { limit: 50, include_revoked: 'true' } }))).toStrictEqual(['admin key', 'agent key', 'agent key, revoked']);
      expect(names(await call('organizationApiKeys.list', identity(admin, 'admin'), { query: { limit: 50, user_id: agent } }))).toStrictEqual(['agent key']);
      expect((await call('apiKeys.fetch', identity(agent, 'agent'), { params: { id: mine } })).data.name).toBe('agent key');
    });

    // who asks for whose key → found, or not found
    const NOT_FOUND: Refusal = ['not_found', 404, 'No such API key.', undefined];
    const visibility: Array<[string, Role, 'own' | 'another member\'s' | 'another organization\'s', boolean]> = [
      ['an agent', 'agent', 'own', true],
      ['an agent', 'agent', 'another member\'s', false],
      ['a bot', 'bot', 'another member\'s', false],
      ['an admin', 'admin', 'another member\'s', true],
      ['an admin', 'admin', 'another organization\'s', false],
    ];
    it.each(visibility)('%s fetching and deleting %s key: %s', async (_name, role, whose, visible) => {
      const me = await member(role);
      const owner = whose === 'own' ? me : await member('agent');
      const id = await keyOf(owner, 'target', whose === 'another organization\'s' ? other : org);
      const fetched = await call('apiKeys.fetch', identity(me, role), { params: { id } }).then((res) => res.data.id, (err: unknown) => refusalOf(err));
      expect(fetched).toStrictEqual(visible ? id : NOT_FOUND);
      const deleted = await call('apiKeys.delete', identity(me, role), { params: { id } }).then((res) => res.data, (err: unknown) => refusalOf(err));
      expect(deleted).toStrictEqual(visible ? { id, deleted: true } : NOT_FOUND);
      expect(await runtime.db.knex('audit_events').where({ resource_id: id }).select('actor_id', 'action', 'resource_type'))
        .toStrictEqual(visible ? [{ actor_id: me, action: 'apiKeys.delete', resource_type: 'api_key' }] : []);
      const row = (await runtime.db.knex('api_keys').where({ id }).first('revoked_at')) as { revoked_at: Date | null };
      expect(row.revoked_at?.getTime() ?? null).toBe(visible ? NOW : null);
      const revocation = (await runtime.db.knex('revocations').where({ kind: 'api_key', subject: id }).first('expires_at')) as { expires_at: Date } | undefined;
      // Until the key would have expired anyway: a day from now.
      expect(revocation?.expires_at.getTime() ?? null).toBe(visible ? NOW + DAY : null);
    });

    it('deleting a key twice keeps the first revocation time; a key with no expiry is revoked for the longest lifetime', async () => {
      const me = await member('agent');
      const id = await keyOf(me, 'twice');
      await call('apiKeys.delete', identity(me, 'agent'), { params: { id } });
      clock.set(NOW + 5_000);
      await call('apiKeys.delete', identity(me, 'agent'), { params: { id } });
      expect(((await runtime.db.knex('api_keys').where({ id }).first('revoked_at')) as { revoked_at: Date }).revoked_at.getTime()).toBe(NOW);

      const forever = (await runtime.db.knex('api_keys').insert({ organization_id: org, user_id: me, name: 'no expiry', scopes: ['guest'], display_prefix: 'ghk_x', secret_hash: `h-${serial}` }).returning('id') as Array<{ id: string }>)[0]!.id;
      // (Keys made before expiries were required have none.)
      expect((await call('apiKeys.fetch', identity(me, 'agent'), { params: { id: forever } })).data.expires_at).toBeNull();
      await call('apiKeys.delete', identity(me, 'agent'), { params: { id: forever } });
      const revocation = (await runtime.db.knex('revocations').where({ kind: 'api_key', subject: forever }).first('expires_at')) as { expires_at: Date };
      expect(revocation.expires_at.getTime()).toBe(NOW + 5_000 + MAX_DAYS * DAY);
    });

    it('a key about to expire is still revoked for a minute', async () => {
      const me = await member('agent');
      const id = await keyOf(me, 'short');
      clock.set(NOW + DAY - 1_000);
      await call('apiKeys.delete', identity(me, 'agent'), { params: { id } });
      const revocation = (await runtime.db.knex('revocations').where({ kind: 'api_key', subject: id }).first('expires_at')) as { expires_at: Date };
      expect(revocation.expires_at.getTime()).toBe(NOW + DAY - 1_000 + 60_000);
    });
  });

  describe('the rows', () => {
    it('a key is found by any of the accepted hashes, with its creator\'s standing here', async () => {
      const me = await member('bot');
      const { row, key } = await issueApiKey(runtime.db.knex, { organizationId: org, userId: me, creatorRole: 'bot', name: 'found', scopes: ['agent'], expiresAt: undefined },
        { hashSecret: HASH_SECRET, maxLifetimeDays: MAX_DAYS, now: NOW });
      const found = await findApiKeyByHash(runtime.db.knex, ['not-this-one', hashApiKey(key, HASH_SECRET)]);
      expect([found?.id, found?.creator_role, found?.creator_disabled_at, found?.secret_hash]).toStrictEqual([row.id, 'bot', null, hashApiKey(key, HASH_SECRET)]);
      expect((await findApiKeyByHash(runtime.db.knex, hashApiKey(key, HASH_SECRET)))?.id).toBe(row.id);
      expect(await findApiKeyByHash(runtime.db.knex, hashApiKey(key, new Uint8Array(32).fill(4)))).toBeUndefined();
    });

    it('a rehash replaces only the hash it was read with; a last use touches only its key', async () => {
      const me = await member('agent');
      const issue = async () => (await issueApiKey(runtime.db.knex, { organizationId: org, userId: me, creatorRole: 'agent', name: 'r', scopes: ['agent'], expiresAt: undefined },
        { hashSecret: HASH_SECRET, maxLifetimeDays: MAX_DAYS, now: NOW })).row.id;
      const [first, second] = [await issue(), await issue()];
      const stored = async () => (await runtime.db.knex('api_keys').whereIn('id', [first, second]).orderBy('name').select('id', 'secret_hash', 'last_used_at') as Array<{ id: string; secret_hash: string; last_used_at: Date | null }>)
        .map((row) => [row.id === first ? 'first' : 'second', row.secret_hash.startsWith('rehashed') ? row.secret_hash : 'as issued', row.last_used_at?.getTime() ?? null]).sort();
      const firstHash = ((await runtime.db.knex('api_keys').where({ id: first }).first('secret_hash')) as { secret_hash: string }).secret_hash;
      await rehashApiKey(runtime.db.knex, first, 'not the stored hash', 'rehashed-0');
      await rehashApiKey(runtime.db.knex, first, firstHash, 'rehashed-1');
      await touchApiKey(runtime.db.knex, first, new Date(NOW));
      expect(await stored()).toStrictEqual([['first', 'rehashed-1', NOW], ['second', 'as issued', null]]);
    });

    // last use in the row (ms before the write) → written?
    const touches: Array<[number | null, boolean]> = [[null, true], [60_001, true], [60_000, false], [1, false]];
    it.each(touches)('last use %s ms before: written %s', async (ago, written) => {
      const me = await member('agent');
      const id = await (async () => {
        const { row } = await issueApiKey(runtime.db.knex, { organizationId: org, userId: me, creatorRole: 'agent', name: 't', scopes: ['agent'], expiresAt: undefined },
          { hashSecret: HASH_SECRET, maxLifetimeDays: MAX_DAYS, now: NOW });
        return row.id;
      })();
      if (ago !== null) await runtime.db.knex('api_keys').where({ id }).update({ last_used_at: new Date(NOW - ago) });
      await touchApiKey(runtime.db.knex, id, new Date(NOW));
      const after = ((await runtime.db.knex('api_keys').where({ id }).first('last_used_at')) as { last_used_at: Date }).last_used_at.getTime();
      expect(after).toBe(written ? NOW : NOW - ago!);
    });
  });
});
