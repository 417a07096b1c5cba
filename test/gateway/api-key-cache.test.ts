import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiKeyResolver } from '../../src/contract/api-key.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { issueApiKey } from '../../src/db/api-keys.js';
import { membershipSubject, revoke, type Revocation } from '../../src/db/revocations.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { createApiKeyCache, type ApiKeyCache } from '../../src/gateway/api-key-cache.js';
import { createApiKeyResolver } from '../../src/gateway/api-keys.js';
import { AuthFailure } from '../../src/gateway/auth-error.js';
import { createRevocationList } from '../../src/gateway/revocation-list.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createTestRuntime } from '../helpers/gatehouse.js';

// api-key-cache.ts: the gateway's one cache of API-key lookups, over the real database resolver
// (api-keys.ts) on the test database, on an injected clock. Lookups are counted as the selects
// on api_keys that reach the database; the test awaits the ones under way through `settle`.
describe('API-key cache on the real database', () => {
  const ttl = 5_000;
  const start = Date.parse('2026-11-21T12:00:00Z');
  const clock = fixedClock(start);
  const hashSecret = new Uint8Array(32).fill(7);
  let runtime: OwnedRuntime;
  let cache: ApiKeyCache;
  let orgA: string;
  let orgB: string;
  let userId: string;
  let lookups = 0;
  let underWay: Promise<unknown>[] = [];

  beforeAll(async () => {
    runtime = await createTestRuntime({ clock });
    const knex = runtime.db.knex;
    orgA = (await insertOrganization(knex, { name: 'keys A' })).id;
    orgB = (await insertOrganization(knex, { name: 'keys B' })).id;
    userId = (await insertUser(knex, { email: 'keys@example.test', passwordHash: null })).id;
    await insertMembership(knex, { userId, organizationId: orgA, role: 'agent' });
    await insertMembership(knex, { userId, organizationId: orgB, role: 'agent' });
    knex.on('query', (q: { sql: string }) => {
      if (q.sql.startsWith('select') && q.sql.includes('api_keys')) lookups += 1;
    });
  });
  afterAll(async () => {
    await runtime?.close();
  });
  beforeEach(() => {
    clock.set(start);
    const database = createApiKeyResolver({ knex: runtime.db.knex, clock, logger: runtime.logger, hashSecret });
    // Passes every lookup through unchanged, keeping its promise so the test can wait for a background refresh.
    // Lookups finish in the order they began (PGlite's one connection does so anyway; a Postgres pool
    // would let a later one overtake), so a test about a lookup begun earlier means the same on both.
    let previous: Promise<unknown> = Promise.resolve();
    const resolver: ApiKeyResolver = {
      resolve(key) {
        const lookup = previous.catch(() => undefined).then(() => database.resolve(key));
        previous = lookup;
        underWay.push(lookup);
        return lookup;
      },
    };
    underWay = [];
    cache = createApiKeyCache({ resolver, clock, logger: runtime.logger, ttlMs: ttl });
  });

  async function newKey(name: string, options: { organizationId?: string; expiresAt?: number } = {}) {
    return issueApiKey(
      runtime.db.knex,
      { organizationId: options.organizationId ?? orgA, userId, creatorRole: 'agent', name, scopes: ['agent'], expiresAt: options.expiresAt === undefined ? undefined : new Date(options.expiresAt) },
      { hashSecret, maxLifetimeDays: 30, now: clock.now() },
    );
  }

  async function rejection(promise: Promise<unknown>): Promise<{ status: number; code: string; reason?: string }> {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    if (!(err instanceof AuthFailure)) throw new Error(`expected an AuthFailure, got ${String(err)}`);
    return { status: err.status, code: err.code, reason: err.reason };
  }

  /** Waits for the lookups under way; the cache's own handler of each ran before this resumes. */
  async function settle(): Promise<void> {
    await Promise.all(underWay);
  }

  it('answers from the cache within the TTL, refreshes once behind the requests after it, and makes them wait at twice the TTL', async () => {
    const { row, key } = await newKey('ttl');
    const before = lookups;
    const caller = await cache.resolve(key);
    expect(caller.identity).toEqual({ sub: userId, org: orgA, role: 'agent', scopes: ['agent'], kind: 'api_key', key_id: row.id });
    expect(lookups).toBe(before + 1);

    clock.advance(ttl - 1);
    expect(cache.peek(key)).toBe(caller);
    await settle();
    expect(lookups).toBe(before + 1);

    // Past the TTL: the same caller at once, one refresh started for all of them.
    clock.advance(1);
    expect([cache.peek(key), cache.peek(key), await cache.resolve(key)]).toEqual([caller, caller, caller]);
    await settle();
    expect(lookups).toBe(before + 2);
    // The refresh found the same identity: the same Caller object, fresh again.
    expect(cache.peek(key)).toBe(caller);
    await settle();
    expect(lookups).toBe(before + 2);

    // Revoked behind the cache's back (no event), then twice the TTL after the refresh: the request waits for the database.
    await runtime.db.knex('api_keys').where({ id: row.id }).update({ revoked_at: new Date(clock.now()) });
    clock.advance(2 * ttl);
    expect(cache.peek(key)).toBeUndefined();
    expect(await rejection(cache.resolve(key))).toEqual({ status: 401, code: 'invalid_auth', reason: 'api_key_unknown' });
    expect(lookups).toBe(before + 3);
  });

  it('looks a key up once for any number of concurrent callers, and hands them one caller', async () => {
    const { key } = await newKey('single flight');
    const before = lookups;
    const callers = await Promise.all(Array.from({ length: 10 }, () => cache.resolve(key)));
    expect(lookups).toBe(before + 1);
    expect(new Set(callers).size).toBe(1);
    expect(cache.peek(key)).toBe(callers[0]);
    expect(cache.size).toBe(1);
  });

  it('remembers an unknown key for the TTL, so guesses do not reach the database each time', async () => {
    const { row, key } = await newKey('deleted');
    await runtime.db.knex('api_keys').where({ id: row.id }).delete();
    const before = lookups;
    for (let i = 0; i < 3; i++) expect(await rejection(cache.resolve(key))).toEqual({ status: 401, code: 'invalid_auth', reason: 'api_key_unknown' });
    expect(cache.peek(key)).toBeUndefined();
    expect(lookups).toBe(before + 1);
  });

  it('refuses a key once it expires, on the clock, without waiting for a lookup', async () => {
    const { key } = await newKey('expiring', { expiresAt: start + 1_000 });
    const caller = await cache.resolve(key);
    const before = lookups;
    clock.advance(999);
    expect(cache.peek(key)).toBe(caller);
    clock.advance(1);
    expect(cache.peek(key)).toBeUndefined();
    expect(await rejection(cache.resolve(key))).toEqual({ status: 401, code: 'invalid_auth', reason: 'api_key_unknown' });
    expect(lookups).toBe(before);
  });

  it('does not let a lookup begun before a revocation repopulate the cache after it', async () => {
    const { row, key } = await newKey('raced');
    const before = lookups;
    const inFlight = cache.resolve(key);
    // The revocation event arrives while the lookup is in flight (the row is revoked just after).
    cache.revoked({ kind: 'api_key', subject: row.id, expiresAt: start + 3_600_000 });
    const late = cache.resolve(key);
    // It answers the request that asked before the revocation, and nothing else: not kept, not shared.
    expect((await inFlight).identity.key_id).toBe(row.id);
    const lateCaller = await late;
    expect(lateCaller).not.toBe(await inFlight);
    expect(cache.peek(key)).toBe(lateCaller);
    expect(lookups).toBe(before + 2);
    expect(cache.size).toBe(1);

    await runtime.db.knex('api_keys').where({ id: row.id }).update({ revoked_at: new Date(clock.now()) });
    cache.revoked({ kind: 'api_key', subject: row.id, expiresAt: start + 3_600_000 });
    // The key's entry is now an unknown key's: refused from memory, no lookup.
    expect(cache.size).toBe(1);
    expect(cache.peek(key)).toBeUndefined();
    expect(await rejection(cache.resolve(key))).toEqual({ status: 401, code: 'invalid_auth', reason: 'api_key_unknown' });
    expect(lookups).toBe(before + 2);
  });

  it('counts generations: any revocation that touches keys discards every lookup under way, others do not', async () => {
    const first = await newKey('generation 1');
    const second = await newKey('generation 2');
    const before = lookups;

    // A token revocation is not about keys: the lookup under way is kept.
    const kept = cache.resolve(first.key);
    cache.revoked({ kind: 'token', subject: 'some-jti', expiresAt: start + 3_600_000 });
    await kept;
    expect(cache.size).toBe(1);

    // Another user's cut-off starts a new generation: the lookup of this user's second key, begun before it, is not kept.
    const discarded = cache.resolve(second.key);
    cache.revoked({ kind: 'user', subject: 'another-user', notBefore: start, expiresAt: start + 3_600_000 });
    await discarded;
    expect(cache.size).toBe(1);
    expect(cache.peek(second.key)).toBeUndefined();
    expect(cache.peek(first.key)?.identity.key_id).toBe(first.row.id);
    expect(lookups).toBe(before + 2);

    // clear() (the bus reconnected) starts one too, and drops everything.
    const cleared = cache.resolve(second.key);
    cache.clear();
    await cleared;
    expect(cache.size).toBe(0);
    expect(lookups).toBe(before + 3);
  });

  it("drops a user's keys on their cut-off, and a member's keys in that organization only on a membership cut-off", async () => {
    const inA = await newKey('member A', { organizationId: orgA });
    const inB = await newKey('member B', { organizationId: orgB });
    await cache.resolve(inA.key);
    await cache.resolve(inB.key);
    expect(cache.size).toBe(2);

    cache.revoked({ kind: 'membership', subject: membershipSubject(orgB, userId), notBefore: start, expiresAt: start + 3_600_000 });
    expect(cache.size).toBe(1);
    expect(cache.peek(inA.key)?.identity.org).toBe(orgA);
    expect(cache.peek(inB.key)).toBeUndefined();

    await cache.resolve(inB.key);
    cache.revoked({ kind: 'user', subject: userId, notBefore: start, expiresAt: start + 3_600_000 });
    expect(cache.size).toBe(0);
  });

  it('hears revocations through the one listener, the revocation list, once each however often it reloads', async () => {
    const { row, key } = await newKey('listened');
    const heard: Revocation[] = [];
    let reloads = 0;
    const countReloads = (q: { sql: string }) => void (q.sql.startsWith('select') && q.sql.includes('revocations') ? (reloads += 1) : undefined);
    runtime.db.knex.on('query', countReloads);
    const list = createRevocationList({
      knex: runtime.db.knex, bus: runtime.bus, clock, logger: runtime.logger, resyncMs: 20,
      onRevoked: (revocation) => {
        heard.push(revocation);
        cache.revoked(revocation);
      },
      onEventsMissed: () => cache.clear(),
    });
    try {
      await list.ready;
      await cache.resolve(key);
      expect(cache.size).toBe(1);
      const revocation: Revocation = { kind: 'api_key', subject: row.id, expiresAt: start + 3_600_000 };
      await revoke({ knex: runtime.db.knex, bus: runtime.bus }, revocation);
      await vi.waitFor(() => expect(heard).toEqual([revocation]));
      expect(cache.peek(key)).toBeUndefined();
      expect(await rejection(cache.resolve(key))).toEqual({ status: 401, code: 'invalid_auth', reason: 'api_key_unknown' });
      // Three reloads later it was not announced again.
      const seen = reloads;
      await vi.waitFor(() => expect(reloads).toBeGreaterThanOrEqual(seen + 3));
      expect(heard).toEqual([revocation]);
    } finally {
      list.stop();
      runtime.db.knex.off('query', countReloads);
    }
  });
});
