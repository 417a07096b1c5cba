import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { issueApiKey } from '../../src/db/api-keys.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { createApiKeyResolver } from '../../src/gateway/api-keys.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createTestRuntime } from '../helpers/gatehouse.js';

// api-keys.ts: a lookup older than the TTL is refreshed behind the requests that still use it.
describe('API-key resolver cache on the real database', () => {
  const ttl = 5_000;
  const clock = fixedClock(Date.parse('2026-11-21T12:00:00Z'));
  const hashSecret = new Uint8Array(32).fill(7);
  let runtime: OwnedRuntime;
  let resolver: ReturnType<typeof createApiKeyResolver>;
  let organizationId: string;
  let userId: string;
  const queries: string[] = [];

  beforeAll(async () => {
    runtime = await createTestRuntime({ clock });
    const knex = runtime.db.knex;
    organizationId = (await insertOrganization(knex, { name: 'keys' })).id;
    userId = (await insertUser(knex, { email: 'keys@example.test', passwordHash: null })).id;
    await insertMembership(knex, { userId, organizationId, role: 'agent' });
    resolver = createApiKeyResolver({ knex, bus: runtime.bus, clock, logger: runtime.logger, hashSecret, cacheTtlMs: ttl });
    knex.on('query', (q: { sql: string }) => void (q.sql.includes('api_keys') && q.sql.startsWith('select') ? queries.push(q.sql) : undefined));
  });
  afterAll(async () => {
    resolver?.close();
    await runtime?.close();
  });

  async function newKey(name: string) {
    const issued = await issueApiKey(
      runtime.db.knex,
      { organizationId, userId, creatorRole: 'agent', name, scopes: ['agent'], expiresAt: undefined },
      { hashSecret, maxLifetimeDays: 30, now: clock.now() },
    );
    return issued;
  }

  it('answers a stale lookup at once, refreshes it once in the background, and never serves one twice the TTL old', async () => {
    const { row, key } = await newKey('stale');
    const before = queries.length;
    expect(await resolver.resolve(key)).toMatchObject({ sub: userId, role: 'agent', key_id: row.id });
    expect(queries.length).toBe(before + 1);

    // Revoked behind the gateway's back (no event): the cache does not know yet.
    await runtime.db.knex('api_keys').where({ id: row.id }).update({ revoked_at: new Date(clock.now()) });
    clock.advance(ttl);
    const stale = await Promise.all([resolver.resolve(key), resolver.resolve(key), resolver.resolve(key)]);
    expect(stale.map((identity) => identity?.key_id)).toEqual([row.id, row.id, row.id]);
    await vi.waitFor(async () => expect(await resolver.resolve(key)).toBeUndefined());
    expect(queries.length).toBe(before + 2);
  });

  it('waits for the database when the lookup is twice the TTL old', async () => {
    const { row, key } = await newKey('old');
    expect(await resolver.resolve(key)).toMatchObject({ key_id: row.id });
    await runtime.db.knex('api_keys').where({ id: row.id }).update({ revoked_at: new Date(clock.now()) });
    clock.advance(2 * ttl);
    expect(await resolver.resolve(key)).toBeUndefined();
  });

  it('does not keep a refresh that read the row before a revocation event', async () => {
    const { row, key } = await newKey('raced');
    expect(await resolver.resolve(key)).toMatchObject({ key_id: row.id });
    clock.advance(2 * ttl);
    const refreshed = resolver.resolve(key);
    resolver.forget(row.id); // the event arrives while the query is in flight
    expect(await refreshed).toMatchObject({ key_id: row.id });
    const before = queries.length;
    await resolver.resolve(key);
    expect(queries.length).toBe(before + 1);
  });
});
