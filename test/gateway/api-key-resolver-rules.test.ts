import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/contract/api-key.js';
import type { Role } from '../../src/contract/roles.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { insertApiKey } from '../../src/db/api-keys.js';
import type { Database } from '../../src/db/knex.js';
import { createApiKeyResolver } from '../../src/gateway/api-keys.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase } from '../helpers/backend.js';

// api-keys.ts in-process: the resolver over the real database (a clone of the migrated test
// database), on a clock advanced by hand. What it answers for each state of a key row is written
// out; the writes it makes (last use, rehash) are counted as the UPDATE statements that reach the
// database, and read back from the table. Needs the global setup (the migrated template): run
// Stryker on it without GATEHOUSE_MUTATE_NO_SETUP.

/** 2026-11-21T12:00:00Z */
const NOW = 1_795_262_400_000;
const MINUTE = 60_000;
/** Well-formed keys (checksums right); the resolver never checks the format, the authenticator does. */
const KEY = 'ghk_Gatehouse0Test0Key0Body0123456782LvOyo';
const ACTIVE = new Uint8Array(32).fill(7);
const PREVIOUS = new Uint8Array(32).fill(9);

describe('API-key resolver on the real database (api-keys.ts)', () => {
  let db: Database;
  let org: string;
  let user: string;
  let agentUser: string;
  let outsider: string;
  const clock = fixedClock(NOW);
  let warnings: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });
  /** UPDATE statements on api_keys, by the column they set. */
  let touches = 0;
  let rehashes = 0;
  let serial = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    const knex = db.knex;
    org = (await insertOrganization(knex, { name: 'resolver org' })).id;
    user = (await insertUser(knex, { email: 'resolver-admin@example.test', passwordHash: null })).id;
    agentUser = (await insertUser(knex, { email: 'resolver-agent@example.test', passwordHash: null })).id;
    outsider = (await insertUser(knex, { email: 'resolver-outsider@example.test', passwordHash: null })).id;
    await insertMembership(knex, { userId: user, organizationId: org, role: 'admin' });
    await insertMembership(knex, { userId: agentUser, organizationId: org, role: 'agent' });
    knex.on('query', (q: { sql: string }) => {
      if (!q.sql.startsWith('update') || !q.sql.includes('api_keys')) return;
      if (q.sql.includes('last_used_at')) touches += 1;
      if (q.sql.includes('secret_hash')) rehashes += 1;
    });
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(() => {
    clock.set(NOW);
    touches = 0;
    rehashes = 0;
    warnings = [];
  });

  /** A key row of its own (each test uses a fresh secret, so rows never collide). */
  async function keyRow(options: { creator?: 'admin' | 'agent' | 'outsider'; userId?: string; scopes?: Role[]; expiresAt?: number | null; secret?: Uint8Array; lastUsedAt?: number; revokedAt?: number } = {}) {
    serial += 1;
    const key = `${KEY}-${serial}`;
    const row = await insertApiKey(db.knex, {
      organizationId: org,
      userId: options.userId ?? { admin: user, agent: agentUser, outsider }[options.creator ?? 'admin'],
      name: `key ${serial}`,
      scopes: options.scopes ?? ['bot'],
      displayPrefix: 'ghk_Gate',
      secretHash: hashApiKey(key, options.secret ?? ACTIVE),
      expiresAt: options.expiresAt === undefined || options.expiresAt === null ? null : new Date(options.expiresAt),
    });
    const patch: Record<string, Date> = {};
    if (options.lastUsedAt !== undefined) patch.last_used_at = new Date(options.lastUsedAt);
    if (options.revokedAt !== undefined) patch.revoked_at = new Date(options.revokedAt);
    if (Object.keys(patch).length > 0) await db.knex('api_keys').where({ id: row.id }).update(patch);
    touches = 0;
    rehashes = 0;
    return { key, id: row.id };
  }

  const resolver = (acceptedHashSecrets?: () => readonly Uint8Array[]) =>
    createApiKeyResolver({ knex: db.knex, clock, logger, hashSecret: ACTIVE, ...(acceptedHashSecrets ? { acceptedHashSecrets } : {}) });

  /** Reads the row back after every statement queued before it (PGlite runs them in order on one connection). */
  /**
   * Until every query already started has ended: `resolve()` does not wait for its writes. On
   * PGlite's one connection the next read would wait anyway; a Postgres pool runs it beside them.
   */
  async function settled(): Promise<void> {
    const pool = (db.knex.client as { pool?: { numUsed(): number; numPendingAcquires(): number; numPendingCreates(): number } }).pool;
    for (let i = 0; i < 1000 && pool && pool.numUsed() + pool.numPendingAcquires() + pool.numPendingCreates() > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** The key's row, once the writes already started have ended. */
  async function row(id: string) {
    await settled();
    return db.knex('api_keys').where({ id }).first<{ last_used_at: Date | null; secret_hash: string }>(['last_used_at', 'secret_hash']);
  }

  describe('what a key resolves to', () => {
    it('a live key of an admin: its scope, its creator, its organization, no expiry', async () => {
      const { key, id } = await keyRow({ scopes: ['bot'] });
      expect(await resolver().resolve(key)).toStrictEqual({
        identity: { sub: user, org, role: 'bot', scopes: ['bot'], kind: 'api_key', key_id: id },
        expiresAt: undefined,
      });
    });

    it('an expiring key gives its expiry in ms', async () => {
      const { key, id } = await keyRow({ scopes: ['guest'], expiresAt: NOW + 3_600_000 });
      expect(await resolver().resolve(key)).toStrictEqual({
        identity: { sub: user, org, role: 'guest', scopes: ['guest'], kind: 'api_key', key_id: id },
        expiresAt: 1_795_266_000_000,
      });
    });

    // key scopes, creator's current role → the role the key acts with
    const caps: Array<[string, Role[], 'admin' | 'agent', Role]> = [
      ['admin key of an admin', ['admin'], 'admin', 'admin'],
      ['guest key of an admin', ['guest'], 'admin', 'guest'],
      ['several scopes: the highest', ['guest', 'bot'], 'admin', 'bot'],
      ['admin key of a member now an agent', ['admin'], 'agent', 'agent'],
      ['bot key of a member now an agent', ['bot'], 'agent', 'agent'],
      ['guest key of an agent', ['guest'], 'agent', 'guest'],
    ];
    it.each(caps)('%s', async (_name, scopes, creator, role) => {
      const { key } = await keyRow({ scopes, creator });
      const resolved = await resolver().resolve(key);
      expect(resolved?.identity.role).toBe(role);
      expect(resolved?.identity.scopes).toStrictEqual([role]);
    });

    it('an unknown key: undefined, no write', async () => {
      expect(await resolver().resolve(`${KEY}-unknown`)).toBe(undefined);
      await row('00000000-0000-0000-0000-000000000000');
      expect([touches, rehashes]).toStrictEqual([0, 0]);
    });

    // row state → refused (undefined), and then its use is not recorded
    const refused: Array<[string, Parameters<typeof keyRow>[0]]> = [
      ['revoked', { revokedAt: NOW - MINUTE }],
      ['revoked a moment from now (a revocation is never in the future; any value counts)', { revokedAt: NOW + MINUTE }],
      ['expired at this very millisecond', { expiresAt: NOW }],
      ['expired a second ago', { expiresAt: NOW - 1_000 }],
      ['of a creator no longer a member', { creator: 'outsider' }],
    ];
    it.each(refused)('a key %s: undefined, its use not recorded', async (_name, options) => {
      const { key, id } = await keyRow(options);
      expect(await resolver().resolve(key)).toBe(undefined);
      expect((await row(id))?.last_used_at).toBe(null);
      expect(touches).toBe(0);
    });

    it('a key expiring a millisecond from now still resolves', async () => {
      const { key } = await keyRow({ expiresAt: NOW + 1 });
      expect((await resolver().resolve(key))?.expiresAt).toBe(1_795_262_400_001);
    });

    it('a key of a disabled creator: undefined', async () => {
      const disabled = (await insertUser(db.knex, { email: 'resolver-disabled@example.test', passwordHash: null })).id;
      await insertMembership(db.knex, { userId: disabled, organizationId: org, role: 'admin' });
      const { key } = await keyRow({ userId: disabled });
      expect(await resolver().resolve(key)).not.toBe(undefined);
      await db.knex('users').where({ id: disabled }).update({ disabled_at: new Date(NOW - MINUTE) });
      expect(await resolver().resolve(key)).toBe(undefined);
    });
  });

  describe('recording the last use, at most once a minute', () => {
    it('a key never used: recorded at the clock time', async () => {
      const { key, id } = await keyRow();
      await resolver().resolve(key);
      expect((await row(id))?.last_used_at).toStrictEqual(new Date(NOW));
      expect(touches).toBe(1);
    });

    // last use in the row (ms before now) → a write is made
    const byRow: Array<[number, boolean]> = [
      [1, false],
      [59_999, false],
      [60_000, true],
      [3_600_000, true],
    ];
    it.each(byRow)('last used %d ms ago (a new process): written %s', async (ago, written) => {
      const { key } = await keyRow({ lastUsedAt: NOW - ago });
      await resolver().resolve(key);
      await row('00000000-0000-0000-0000-000000000000');
      expect(touches).toBe(written ? 1 : 0);
    });

    it('the same process remembers its own writes: once per minute whatever the requests', async () => {
      const { key, id } = await keyRow();
      const resolve = resolver();
      await resolve.resolve(key);
      clock.set(NOW + 59_999);
      await resolve.resolve(key);
      await row(id);
      expect(touches).toBe(1);
      clock.set(NOW + 60_000);
      await resolve.resolve(key);
      await row(id);
      expect(touches).toBe(2);
      // (the write itself also requires a minute to have passed, strictly: the row keeps NOW here)
      clock.set(NOW + 180_000);
      await resolve.resolve(key);
      expect((await row(id))?.last_used_at).toStrictEqual(new Date(NOW + 180_000));
      expect(touches).toBe(3);
    });

    it('a process that remembers a write ignores an older time in the row', async () => {
      // The row says "used two minutes ago" but this process wrote 30 s ago: no write.
      const { key, id } = await keyRow();
      const resolve = resolver();
      await resolve.resolve(key);
      await db.knex('api_keys').where({ id }).update({ last_used_at: new Date(NOW - 120_000) });
      touches = 0;
      clock.set(NOW + 30_000);
      await resolve.resolve(key);
      await row(id);
      expect(touches).toBe(0);
    });

    it('keys are remembered apart', async () => {
      const a = await keyRow();
      const b = await keyRow();
      const resolve = resolver();
      await resolve.resolve(a.key);
      await resolve.resolve(b.key);
      await row(b.id);
      expect(touches).toBe(2);
    });

    it('a failed write is logged with the key id, and the key still resolves', async () => {
      const { key, id } = await keyRow();
      await db.knex.raw(`create function refuse_touch() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`);
      await db.knex.raw(`create trigger refuse_touch before update of last_used_at on api_keys for each row execute function refuse_touch()`);
      try {
        expect((await resolver().resolve(key))?.identity.key_id).toBe(id);
        await row(id);
        expect(warnings.map((w) => [w.msg, w.key_id])).toStrictEqual([['could not record API-key use', id]]);
        expect((warnings[0]?.err as { message?: string } | undefined)?.message).toContain('refused by the test');
      } finally {
        await db.knex.raw('drop trigger refuse_touch on api_keys');
        await db.knex.raw('drop function refuse_touch()');
      }
    });
  });

  describe('a root-secret rotation: every accepted hash key, the active one first', () => {
    it('a key stored under the previous secret is found and rehashed under the active one', async () => {
      const { key, id } = await keyRow({ secret: PREVIOUS });
      const resolved = await resolver(() => [ACTIVE, PREVIOUS]).resolve(key);
      expect(resolved?.identity.key_id).toBe(id);
      expect((await row(id))?.secret_hash).toBe(hashApiKey(key, ACTIVE));
      expect(rehashes).toBe(1);
      // and is found afterwards with the active secret alone
      expect((await resolver().resolve(key))?.identity.key_id).toBe(id);
    });

    it('a key stored under the active secret is not rewritten', async () => {
      const { key, id } = await keyRow({ secret: ACTIVE });
      expect((await resolver(() => [ACTIVE, PREVIOUS]).resolve(key))?.identity.key_id).toBe(id);
      expect((await row(id))?.secret_hash).toBe(hashApiKey(key, ACTIVE));
      expect(rehashes).toBe(0);
    });

    it('without a rotation, only the hash secret counts', async () => {
      const { key } = await keyRow({ secret: PREVIOUS });
      expect(await resolver().resolve(key)).toBe(undefined);
    });

    it('the accepted list replaces the hash secret', async () => {
      const { key, id } = await keyRow({ secret: PREVIOUS });
      expect((await resolver(() => [PREVIOUS]).resolve(key))?.identity.key_id).toBe(id);
      expect((await row(id))?.secret_hash).toBe(hashApiKey(key, PREVIOUS));
      expect(rehashes).toBe(0);
    });

    it('a revoked key found by an old hash is still rehashed, and still refused', async () => {
      const { key, id } = await keyRow({ secret: PREVIOUS, revokedAt: NOW - MINUTE });
      expect(await resolver(() => [ACTIVE, PREVIOUS]).resolve(key)).toBe(undefined);
      expect((await row(id))?.secret_hash).toBe(hashApiKey(key, ACTIVE));
    });

    it('a failed rehash is logged with the key id, and the key still resolves', async () => {
      const { key, id } = await keyRow({ secret: PREVIOUS });
      await db.knex.raw(`create function refuse_rehash() returns trigger language plpgsql as $$ begin raise exception 'rehash refused by the test'; end $$`);
      await db.knex.raw(`create trigger refuse_rehash before update of secret_hash on api_keys for each row execute function refuse_rehash()`);
      try {
        expect((await resolver(() => [ACTIVE, PREVIOUS]).resolve(key))?.identity.key_id).toBe(id);
        await row(id);
        expect(warnings.map((w) => [w.msg, w.key_id])).toStrictEqual([['could not rehash an API key', id]]);
        expect((warnings[0]?.err as { message?: string } | undefined)?.message).toContain('rehash refused by the test');
      } finally {
        await db.knex.raw('drop trigger refuse_rehash on api_keys');
        await db.knex.raw('drop function refuse_rehash()');
      }
    });
  });
});
