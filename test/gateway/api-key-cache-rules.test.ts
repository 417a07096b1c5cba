import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyResolver, ResolvedApiKey } from '../../src/contract/api-key.js';
import type { Identity } from '../../src/contract/identity.js';
import { createApiKeyCache, type ApiKeyCache } from '../../src/gateway/api-key-cache.js';
import { AuthFailure } from '../../src/gateway/auth-error.js';
import type { Caller } from '../../src/gateway/caller.js';
import { fixedClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';

// api-key-cache.ts in-process: the key table is a literal map, and each lookup waits until the
// test answers it (from the table as it is then) or fails it, so a revocation can land between a
// lookup and its answer exactly where the test says. A clock the test moves; a real pino logger
// writing into an array. test/gateway/api-key-cache.test.ts drives the same cache over the database.

const start = Date.parse('2026-12-02T10:00:00Z');
const ttl = 5_000;

const alice: Identity = { sub: 'user-alice', org: 'org-a', role: 'agent', scopes: ['agent', 'openid'], kind: 'api_key', key_id: 'key-a1' };
const aliceSecond: Identity = { ...alice, key_id: 'key-a2' };
const aliceInB: Identity = { ...alice, org: 'org-b', key_id: 'key-b1' };
const bob: Identity = { sub: 'user-bob', org: 'org-a', role: 'admin', scopes: ['admin'], kind: 'api_key', key_id: 'key-bob' };

interface Pending { key: string; answer(): void; fail(): void }

describe('the API-key cache', () => {
  let clock: ReturnType<typeof fixedClock>;
  let table: Map<string, ResolvedApiKey>;
  let pending: Pending[];
  let asked: string[];
  let logLines: Array<{ level: string; msg: string; err?: { message: string; code?: string } }>;
  let cache: ApiKeyCache;

  const resolver: ApiKeyResolver = {
    resolve(key) {
      asked.push(key);
      return new Promise<ResolvedApiKey | undefined>((resolve, reject) => {
        pending.push({ key, answer: () => resolve(table.get(key)), fail: () => reject(new Error('database away')) });
      });
    },
  };

  function build(maxEntries?: number): ApiKeyCache {
    return createApiKeyCache({
      resolver, clock, ttlMs: ttl, ...(maxEntries === undefined ? {} : { maxEntries }),
      logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } }),
    });
  }

  beforeEach(() => {
    clock = fixedClock(start);
    table = new Map([
      ['ghk_alice', { identity: alice, expiresAt: undefined }],
      ['ghk_alice2', { identity: aliceSecond, expiresAt: start + 60_000 }],
      ['ghk_aliceB', { identity: aliceInB, expiresAt: undefined }],
      ['ghk_bob', { identity: bob, expiresAt: undefined }],
    ]);
    pending = [];
    asked = [];
    logLines = [];
    cache = build();
  });

  /** Answers every lookup under way, oldest first, and lets their handlers run. */
  async function answerAll(): Promise<void> {
    for (const lookup of pending.splice(0)) lookup.answer();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  async function failAll(): Promise<void> {
    for (const lookup of pending.splice(0)) lookup.fail();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  /** cache.resolve, its refusal observed later by the test (not an unhandled rejection meanwhile). */
  function ask(key: string): Promise<Caller> {
    const caller = cache.resolve(key);
    caller.catch(() => undefined);
    return caller;
  }
  /** resolve() answered by the table now. */
  async function resolveNow(key: string): Promise<Caller> {
    const caller = ask(key);
    await answerAll();
    return caller;
  }
  async function refusal(promise: Promise<unknown>): Promise<Record<string, unknown>> {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    if (err instanceof AuthFailure) return { kind: 'auth', status: err.status, code: err.code, reason: err.reason, message: err.message };
    if (err instanceof AppError) return { kind: 'app', status: err.status, code: err.code, message: err.message, headers: err.headers, cause: (err.cause as Error).message };
    throw new Error(`expected an AppError, got ${String(err)}`);
  }
  const unknown = { kind: 'auth', status: 401, code: 'invalid_auth', reason: 'api_key_unknown', message: 'The API key is unknown, revoked or expired.' };

  it('looks a key up once, hands every concurrent caller the one caller, and answers from memory within the TTL', async () => {
    const callers = [ask('ghk_alice'), ask('ghk_alice'), ask('ghk_alice')];
    expect(cache.peek('ghk_alice')).toBeUndefined();
    await answerAll();
    const [first, second, third] = await Promise.all(callers);
    expect(first).toEqual({ identity: alice });
    expect([second, third]).toEqual([first, first]);
    expect(second).toBe(first);
    expect(asked).toEqual(['ghk_alice']);
    expect([cache.size, cache.peek('ghk_alice')]).toEqual([1, first]);
    expect(cache.peek('ghk_alice')).toBe(first);

    clock.advance(ttl - 1);
    expect(cache.peek('ghk_alice')).toBe(first);
    expect(await ask('ghk_alice')).toBe(first);
    expect(asked).toEqual(['ghk_alice']);
  });

  it('refreshes once in the background from the TTL on, and makes the request wait from twice the TTL', async () => {
    const first = await resolveNow('ghk_alice');
    clock.advance(ttl);
    expect(cache.peek('ghk_alice')).toBe(first);
    expect(await ask('ghk_alice')).toBe(first);
    expect(cache.peek('ghk_alice')).toBe(first);
    expect(asked).toEqual(['ghk_alice', 'ghk_alice']);
    // The refresh finds the same identity: the same Caller, fresh again from now.
    await answerAll();
    expect(cache.peek('ghk_alice')).toBe(first);
    expect(asked.length).toBe(2);
    clock.advance(ttl - 1);
    expect(cache.peek('ghk_alice')).toBe(first);
    expect(asked.length).toBe(2);

    // Twice the TTL after the refresh, to the millisecond: the request waits for a lookup.
    clock.advance(ttl - 1);
    expect(cache.peek('ghk_alice')).toBe(first);
    await answerAll();
    clock.advance(2 * ttl - 1);
    expect(cache.peek('ghk_alice')).toBe(first);
    await answerAll();
    expect(asked.length).toBe(4);
    clock.advance(2 * ttl);
    expect(cache.peek('ghk_alice')).toBeUndefined();
    table.delete('ghk_alice');
    const waiting = ask('ghk_alice');
    await answerAll();
    expect(await refusal(waiting)).toEqual(unknown);
    expect(asked.length).toBe(5);
  });

  it('serves the previous lookup while a refresh fails (logged), then 503 from twice the TTL', async () => {
    const first = await resolveNow('ghk_alice');
    clock.advance(ttl);
    expect(cache.peek('ghk_alice')).toBe(first);
    await failAll();
    expect(logLines.map(({ level, msg, err }) => [level, msg, err?.code, err?.message])).toEqual([
      ['warn', 'could not refresh an API-key lookup; serving the previous one', 'service_unavailable', 'API keys cannot be checked right now; retry shortly.: database away'],
    ]);
    // The failed refresh is no longer under way: the next request starts another.
    expect(cache.peek('ghk_alice')).toBe(first);
    expect(asked.length).toBe(3);
    await failAll();

    clock.advance(ttl);
    const waiting = ask('ghk_alice');
    await failAll();
    expect(await refusal(waiting)).toEqual({
      kind: 'app', status: 503, code: 'service_unavailable', message: 'API keys cannot be checked right now; retry shortly.',
      headers: { 'retry-after': '1' }, cause: 'database away',
    });
    // A failed lookup is not remembered: the next request asks again, and gets the key.
    const again = ask('ghk_alice');
    await answerAll();
    expect(await again).toBe(first);
    expect(asked.length).toBe(5);
  });

  it('remembers an unknown key for the TTL, then asks again', async () => {
    const first = ask('ghk_nobody');
    await answerAll();
    expect(await refusal(first)).toEqual(unknown);
    expect(await refusal(ask('ghk_nobody'))).toEqual(unknown);
    expect([cache.peek('ghk_nobody'), cache.size, asked]).toEqual([undefined, 1, ['ghk_nobody']]);
    clock.advance(ttl);
    expect(cache.peek('ghk_nobody')).toBeUndefined();
    expect(asked).toEqual(['ghk_nobody', 'ghk_nobody']);
    // The refresh replaces the entry (still unknown) and starts its TTL again.
    await answerAll();
    expect(logLines).toEqual([]);
    clock.advance(ttl - 1);
    expect(await refusal(ask('ghk_nobody'))).toEqual(unknown);
    expect([cache.size, asked.length]).toEqual([1, 2]);
    // Now known (issued meanwhile): found at the next refresh.
    table.set('ghk_nobody', { identity: bob, expiresAt: undefined });
    clock.advance(1);
    cache.peek('ghk_nobody');
    await answerAll();
    expect([cache.peek('ghk_nobody')?.identity, logLines]).toEqual([bob, []]);
  });

  it('evicts an unknown key like any other', async () => {
    cache = build(1);
    await resolveNow('ghk_nobody').catch(() => undefined);
    await resolveNow('ghk_bob');
    expect([cache.size, cache.peek('ghk_bob')?.identity, logLines]).toEqual([1, bob, []]);
    expect(await refusal(resolveNow('ghk_nobody'))).toEqual(unknown);
    expect([cache.size, cache.peek('ghk_bob'), asked.length, logLines]).toEqual([1, undefined, 3, []]);
  });

  it('a lookup discarded by a revocation, answered late, does not end the lookup that replaced it', async () => {
    const discarded = ask('ghk_alice');
    cache.revoked({ kind: 'api_key', subject: 'key-other', expiresAt: start + 60_000 });
    const replacing = ask('ghk_alice');
    expect(asked).toEqual(['ghk_alice', 'ghk_alice']);
    pending.shift()!.answer();
    await discarded;
    await new Promise<void>((resolve) => setImmediate(resolve));
    // A third request joins the lookup still under way.
    const joining = ask('ghk_alice');
    expect(asked).toEqual(['ghk_alice', 'ghk_alice']);
    await answerAll();
    expect(await joining).toBe(await replacing);
    expect(cache.peek('ghk_alice')).toBe(await replacing);
  });

  it('refuses a key from its expiry to the millisecond, without a lookup', async () => {
    const caller = await resolveNow('ghk_alice2');
    clock.set(start + 60_000 - 1);
    await resolveNow('ghk_alice2');
    expect(cache.peek('ghk_alice2')).toBe(caller);
    expect(await ask('ghk_alice2')).toBe(caller);
    const before = asked.length;
    clock.set(start + 60_000);
    expect(cache.peek('ghk_alice2')).toBeUndefined();
    expect(await refusal(ask('ghk_alice2'))).toEqual(unknown);
    expect(asked.length).toBe(before);
  });

  it('keeps the Caller while the identity is the same, and makes a new one when any part of it changes', async () => {
    const changes: Array<[string, Identity]> = [
      ['sub', { ...alice, sub: 'user-carol' }],
      ['org', { ...alice, org: 'org-c' }],
      ['role', { ...alice, role: 'bot' }],
      ['kind', { ...alice, kind: 'user' }],
      ['key_id', { ...alice, key_id: 'key-a9' }],
      ['client_id', { ...alice, client_id: 'client-1' }],
      ['jti', { ...alice, jti: 'jti-1' }],
      ['a scope more', { ...alice, scopes: ['agent', 'openid', 'profile'] }],
      ['a scope less', { ...alice, scopes: ['agent'] }],
      ['no scope', { ...alice, scopes: [] }],
      ['the second scope another', { ...alice, scopes: ['agent', 'profile'] }],
      ['the first scope another', { ...alice, scopes: ['admin', 'openid'] }],
      ['the same scopes in another order', { ...alice, scopes: ['openid', 'agent'] }],
    ];
    for (const [change, identity] of changes) {
      cache.clear();
      table.set('ghk_alice', { identity: alice, expiresAt: undefined });
      const before = await resolveNow('ghk_alice');
      table.set('ghk_alice', { identity: { ...alice, scopes: [...alice.scopes] }, expiresAt: start + 10 * ttl });
      clock.advance(ttl);
      cache.peek('ghk_alice');
      await answerAll();
      const same = cache.peek('ghk_alice');
      expect([change, same === before]).toEqual([change, true]);
      table.set('ghk_alice', { identity, expiresAt: undefined });
      clock.advance(ttl);
      cache.peek('ghk_alice');
      await answerAll();
      const after = cache.peek('ghk_alice');
      expect([change, after === before, after?.identity]).toEqual([change, false, identity]);
      clock.set(start);
    }
  });

  it('refuses a key from memory once it is revoked, and only that key', async () => {
    await resolveNow('ghk_alice');
    await resolveNow('ghk_alice2');
    await resolveNow('ghk_bob');
    cache.revoked({ kind: 'api_key', subject: 'key-a1', expiresAt: start + 60_000 });
    expect([cache.size, cache.peek('ghk_alice'), cache.peek('ghk_alice2')?.identity, cache.peek('ghk_bob')?.identity]).toEqual([3, undefined, aliceSecond, bob]);
    // Refused without a lookup, though the table still has the row (the revocation is the news).
    const lookups = asked.length;
    expect(await refusal(ask('ghk_alice'))).toEqual(unknown);
    expect(asked.length).toBe(lookups);
    // A revocation of a key not cached, or of another kind naming the same id, changes nothing.
    cache.revoked({ kind: 'api_key', subject: 'key-zz', expiresAt: start + 60_000 });
    for (const kind of ['token', 'grant'] as const) cache.revoked({ kind, subject: 'key-a2', expiresAt: start + 60_000 });
    for (const kind of ['client', 'visitor'] as const) cache.revoked({ kind, subject: 'user-bob', notBefore: start, expiresAt: start + 60_000 });
    expect([cache.size, cache.peek('ghk_alice2')?.identity, cache.peek('ghk_bob')?.identity]).toEqual([3, aliceSecond, bob]);
    // The refused key's entry belongs to nobody now: its user's cut-off leaves it in place.
    cache.revoked({ kind: 'user', subject: 'user-alice', notBefore: start, expiresAt: start + 60_000 });
    expect(cache.size).toBe(2);
    expect(await refusal(ask('ghk_alice'))).toEqual(unknown);
    expect(asked.length).toBe(lookups);
    // Like any entry, it is not kept past twice the TTL: then the key is looked up again.
    clock.advance(2 * ttl);
    const late = ask('ghk_alice');
    expect(asked.slice(lookups)).toEqual(['ghk_alice']);
    table.delete('ghk_alice');
    await answerAll();
    expect(await refusal(late)).toEqual(unknown);
  });

  it("drops a user's keys everywhere on a user cut-off, and a member's keys of one organization on a membership cut-off", async () => {
    for (const key of ['ghk_alice', 'ghk_alice2', 'ghk_aliceB', 'ghk_bob']) await resolveNow(key);
    expect(cache.size).toBe(4);
    cache.revoked({ kind: 'membership', subject: 'org-b/user-alice', notBefore: start, expiresAt: start + 60_000 });
    expect([cache.size, cache.peek('ghk_aliceB'), cache.peek('ghk_alice')?.identity]).toEqual([3, undefined, alice]);
    cache.revoked({ kind: 'membership', subject: 'org-a/user-carol', notBefore: start, expiresAt: start + 60_000 });
    cache.revoked({ kind: 'user', subject: 'user-carol', notBefore: start, expiresAt: start + 60_000 });
    expect(cache.size).toBe(3);
    cache.revoked({ kind: 'membership', subject: 'org-a/user-alice', notBefore: start, expiresAt: start + 60_000 });
    expect([cache.size, cache.peek('ghk_alice'), cache.peek('ghk_alice2'), cache.peek('ghk_bob')?.identity]).toEqual([1, undefined, undefined, bob]);

    for (const key of ['ghk_alice', 'ghk_aliceB']) await resolveNow(key);
    cache.revoked({ kind: 'user', subject: 'user-alice', notBefore: start, expiresAt: start + 60_000 });
    expect([cache.size, cache.peek('ghk_bob')?.identity]).toEqual([1, bob]);
    // Unknown keys belong to nobody: a cut-off leaves them.
    const guess = ask('ghk_nobody');
    await answerAll();
    await guess.catch(() => undefined);
    cache.revoked({ kind: 'user', subject: 'user-bob', notBefore: start, expiresAt: start + 60_000 });
    expect([cache.size, asked.length]).toEqual([1, 7]);
    expect(await refusal(ask('ghk_nobody'))).toEqual(unknown);
    expect(asked.length).toBe(7);
  });

  it('does not keep or share a lookup begun before a revocation that touches keys', async () => {
    const revocations = [
      { kind: 'api_key', subject: 'key-other', expiresAt: start + 60_000 },
      { kind: 'user', subject: 'user-other', notBefore: start, expiresAt: start + 60_000 },
      { kind: 'membership', subject: 'org-z/user-other', notBefore: start, expiresAt: start + 60_000 },
    ] as const;
    for (const revocation of revocations) {
      cache.clear();
      asked = [];
      const before = ask('ghk_alice');
      cache.revoked(revocation);
      const after = ask('ghk_alice');
      expect([revocation.kind, asked]).toEqual([revocation.kind, ['ghk_alice', 'ghk_alice']]);
      await answerAll();
      // Both answered; only the later lookup is kept.
      const [early, late] = [await before, await after];
      expect([revocation.kind, early.identity, late.identity, early === late, cache.peek('ghk_alice') === late, cache.size]).toEqual([revocation.kind, alice, alice, false, true, 1]);
    }
  });

  it('keeps and shares a lookup across a revocation that touches no key', async () => {
    const revocations = [
      { kind: 'token', subject: 'jti-1', expiresAt: start + 60_000 },
      { kind: 'grant', subject: 'grant-1', expiresAt: start + 60_000 },
      { kind: 'client', subject: 'client-1', notBefore: start, expiresAt: start + 60_000 },
      { kind: 'visitor', subject: 'visitor-1', notBefore: start, expiresAt: start + 60_000 },
    ] as const;
    for (const revocation of revocations) {
      cache.clear();
      asked = [];
      const before = ask('ghk_alice');
      cache.revoked(revocation);
      const after = ask('ghk_alice');
      await answerAll();
      expect([revocation.kind, asked, await before === await after, cache.peek('ghk_alice') === await before]).toEqual([revocation.kind, ['ghk_alice'], true, true]);
    }
  });

  it('revoked while its lookup is under way: the row read after the revocation says unknown, and that is what stays', async () => {
    const inFlight = ask('ghk_alice');
    cache.revoked({ kind: 'api_key', subject: 'key-a1', expiresAt: start + 60_000 });
    table.delete('ghk_alice');
    const late = ask('ghk_alice');
    await answerAll();
    // The lookup begun first read the table after the delete too (the test answers late): both refused.
    expect(await refusal(inFlight)).toEqual(unknown);
    expect(await refusal(late)).toEqual(unknown);
    expect([cache.size, cache.peek('ghk_alice')]).toEqual([1, undefined]);
  });

  it('clear() drops everything and discards the lookups under way', async () => {
    await resolveNow('ghk_alice');
    await resolveNow('ghk_bob');
    const under = ask('ghk_alice2');
    cache.clear();
    expect([cache.size, cache.peek('ghk_alice'), cache.peek('ghk_bob')]).toEqual([0, undefined, undefined]);
    const again = ask('ghk_alice2');
    await answerAll();
    expect(await under).not.toBe(await again);
    expect(cache.size).toBe(1);
    // The indexes went too: a cut-off of a cleared user finds nothing to drop.
    cache.revoked({ kind: 'user', subject: 'user-bob', notBefore: start, expiresAt: start + 60_000 });
    cache.revoked({ kind: 'api_key', subject: 'key-a1', expiresAt: start + 60_000 });
    expect(cache.peek('ghk_alice2')?.identity).toEqual(aliceSecond);
  });

  it('holds at most maxEntries keys, evicting the oldest lookup; a refresh makes a key young again', async () => {
    cache = build(2);
    const a = await resolveNow('ghk_alice');
    clock.advance(1);
    await resolveNow('ghk_bob');
    expect(cache.size).toBe(2);
    // Alice's key refreshed: now the youngest.
    clock.advance(ttl);
    cache.peek('ghk_alice');
    await answerAll();
    expect(cache.peek('ghk_alice')).toBe(a);
    await resolveNow('ghk_nobody').catch(() => undefined);
    expect([cache.size, cache.peek('ghk_alice'), cache.peek('ghk_bob')]).toEqual([2, a, undefined]);
    // Bob's key was evicted: his cut-off finds nothing, and his key is looked up anew.
    const before = asked.length;
    await resolveNow('ghk_bob');
    expect(asked.length).toBe(before + 1);
    expect([cache.size, cache.peek('ghk_alice')]).toEqual([2, undefined]);
  });

  it('keeps at the default 10 000 keys, and evicts the first at 10 001', async () => {
    for (let i = 0; i < 10_000; i++) table.set(`ghk_many${i}`, { identity: { ...bob, key_id: `key-many${i}` }, expiresAt: undefined });
    table.set('ghk_many10000', { identity: { ...bob, key_id: 'key-many10000' }, expiresAt: undefined });
    for (let i = 0; i < 10_000; i++) void ask(`ghk_many${i}`);
    await answerAll();
    expect([cache.size, cache.peek('ghk_many0')?.identity.key_id]).toEqual([10_000, 'key-many0']);
    await resolveNow('ghk_many10000');
    expect([cache.size, cache.peek('ghk_many0'), cache.peek('ghk_many1')?.identity.key_id]).toEqual([10_000, undefined, 'key-many1']);
  });

  it('re-indexes a key whose lookup now names another user: the first user\'s cut-off no longer drops it', async () => {
    await resolveNow('ghk_alice');
    table.set('ghk_alice', { identity: { ...bob, key_id: 'key-a1' }, expiresAt: undefined });
    clock.advance(ttl);
    cache.peek('ghk_alice');
    await answerAll();
    cache.revoked({ kind: 'user', subject: 'user-alice', notBefore: start, expiresAt: start + 60_000 });
    expect(cache.peek('ghk_alice')?.identity.sub).toBe('user-bob');
    cache.revoked({ kind: 'user', subject: 'user-bob', notBefore: start, expiresAt: start + 60_000 });
    expect([cache.size, cache.peek('ghk_alice')]).toEqual([0, undefined]);
  });

  it('forgets the indexes of a key whose lookup now says unknown', async () => {
    await resolveNow('ghk_alice');
    await resolveNow('ghk_alice2');
    table.delete('ghk_alice');
    clock.advance(ttl);
    cache.peek('ghk_alice');
    await answerAll();
    // Alice's other key is dropped by her cut-off; the unknown entry stays, owned by nobody.
    cache.revoked({ kind: 'user', subject: 'user-alice', notBefore: start, expiresAt: start + 60_000 });
    expect(cache.size).toBe(1);
    cache.revoked({ kind: 'api_key', subject: 'key-a1', expiresAt: start + 60_000 });
    expect(cache.size).toBe(1);
  });
});
