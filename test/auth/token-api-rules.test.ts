import { hash as argon2Hash } from '@node-rs/argon2';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import Koa from 'koa';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGrantLookups } from '../../src/auth/cache/grant-lookups.js';
import { startSweeper } from '../../src/auth/storage/sweeper.js';
import { ensureSigningKeys, rotateSigningKeys, SIGNING_KEYS_CHANNEL } from '../../src/auth/keys/signing-keys.js';
import { createAccessTokenSigner } from '../../src/auth/token-api/access-tokens.js';
import { createTokenApi, TOKEN_API_PATH } from '../../src/auth/token-api/index.js';
import {
  consumeRefreshToken, deleteExpiredRefreshTokens, findRefreshToken, findRefreshTokenWithHolder, insertRefreshToken,
  revokeRefreshFamiliesOfUser, revokeRefreshFamily, rotateRefreshToken,
} from '../../src/auth/token-api/refresh-token-rows.js';
import { tokenApi } from '../../src/auth/token-api/router.js';
import { createTokenService, type TokenResponse } from '../../src/auth/token-api/service.js';
import { createSignInThrottle } from '../../src/auth/token-api/throttle.js';
import { createAccessTokenVerifier } from '../../src/auth/tokens/verify-access-token.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import type { Role } from '../../src/contract/roles.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { fixedClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import type { Redis } from '../../src/shared/redis.js';
import { requestContext } from '../../src/shared/koa/request-context.js';
import { createTestRuntime } from '../helpers/runtime.js';

// Seed 001's time-based token API in process, on the real (cloned, migrated) database and a clock
// moved by hand: the service (sign-in, the two refreshes, rotation and reuse), the koa middleware
// behind a bare koa app, the sign-in throttle, the signer and the refresh-token rows. The
// passwords are argon2id hashes with the smallest cost argon2 allows, made once: verification
// reads the cost from the hash, so the rules run in milliseconds. Every answer is written out.

/** 2026-11-21T12:00:00.250Z: a quarter second past, so that `iat` shows it is rounded down. */
const NOW = 1_795_262_400_250;
const SECOND = 1_000;
const HOUR = 3_600_000;
const TTL_SECONDS = 3_600;
const REFRESH_TTL_SECONDS = 86_400;
const PUBLIC_URL = 'https://auth.example.test';
const AUDIENCE = 'https://auth.example.test/api';
const PASSWORD = 'correct horse battery staple';
const MAX_FAILURES = 3;
const BLOCK_SECONDS = 60;

type Refusal = [code: string, status: number, message: string];

const badCredentials: Refusal = ['invalid_credentials', 401, 'The email or password is not correct.'];
const badRefresh: Refusal = ['invalid_refresh_token', 401, 'The refresh token is invalid, expired or already used.'];
const badBearer: Refusal = ['invalid_auth', 401, 'The access token is not valid.'];
const notMember: Refusal = ['forbidden', 403, 'You are not a member of that organization.'];

function refusalOf(err: unknown): Refusal {
  if (!(err instanceof AppError)) throw err;
  return [err.code, err.status, err.message];
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const hex80 = (char: string) => char.repeat(80);

describe('seed 001 token API, in process', () => {
  let runtime: OwnedRuntime;
  const clock = fixedClock(NOW);
  let passwordHash: string;
  let signer: ReturnType<typeof createAccessTokenSigner>;
  let service: ReturnType<typeof createTokenService>;
  let org: string;
  let otherOrg: string;
  let serial = 0;
  /** Statements that reached the database. */
  let queries = 0;

  beforeAll(async () => {
    runtime = await createTestRuntime({
      clock,
      config: {
        PUBLIC_URL, TIME_BASED_TOKEN_TTL_SECONDS: TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS: REFRESH_TTL_SECONDS,
        // Not the default (403): the answer must come from the setting.
        GATEWAY_EXPIRED_TOKEN_STATUS: 401,
        TOKEN_API_MAX_FAILURES_PER_EMAIL_IP: MAX_FAILURES, TOKEN_API_BLOCK_SECONDS: BLOCK_SECONDS,
      },
    });
    const { knex } = runtime.db;
    await ensureSigningKeys({ knex, secrets: runtime.secrets, config: runtime.config, now: () => clock.now() });
    passwordHash = await argon2Hash(PASSWORD, { algorithm: 2, memoryCost: 8, timeCost: 1, parallelism: 1 });
    signer = createAccessTokenSigner({ knex, secrets: runtime.secrets, config: runtime.config, clock, bus: runtime.bus });
    const verifyAccessToken = createAccessTokenVerifier({ knex, clock, config: runtime.config });
    service = createTokenService({ knex, bus: runtime.bus, clock, config: runtime.config, signer, verifyAccessToken });
    otherOrg = (await insertOrganization(knex, { name: 'Elsewhere' })).id;
    knex.on('query', () => (queries += 1));
  });
  afterAll(async () => {
    signer.close();
    await runtime.close();
  });
  beforeEach(async () => {
    clock.set(NOW);
    org = (await insertOrganization(runtime.db.knex, { name: `Tokens ${++serial}` })).id;
  });

  async function person(memberships: Array<[string, Role]>, options: { email?: string; disabled?: boolean; pending?: boolean } = {}): Promise<{ id: string; email: string }> {
    const { knex } = runtime.db;
    const email = options.email ?? `person-${++serial}@example.test`;
    const user = await insertUser(knex, { email, passwordHash, ...(options.pending ? { pending: true } : {}) });
    for (const [organizationId, role] of memberships) await insertMembership(knex, { userId: user.id, organizationId, role });
    if (options.disabled) await knex('users').where({ id: user.id }).update({ disabled_at: new Date(NOW - HOUR) });
    return { id: user.id, email };
  }

  /** The user's refresh-token rows, oldest first. */
  async function rowsOf(userId: string) {
    const rows: Array<{ family_id: string; organization_id: string; secret_hash: string; expires_at: Date; consumed_at: Date | null; family_revoked_at: Date | null }> = await runtime.db.knex('first_party_refresh_tokens').where({ user_id: userId }).orderBy([{ column: 'expires_at' }, { column: 'created_at' }])
      .select('family_id', 'organization_id', 'secret_hash', 'expires_at', 'consumed_at', 'family_revoked_at');
    return rows.map((row) => ({
      ...row,
      expires_at: row.expires_at.toISOString(),
      consumed_at: row.consumed_at?.toISOString() ?? null,
      family_revoked_at: row.family_revoked_at?.toISOString() ?? null,
    }));
  }

  async function revocationsOf(familyId: string) {
    const rows = await runtime.db.knex('revocations').where({ subject: familyId }).select('kind', 'subject', 'not_before', 'expires_at');
    return rows.map((row: Record<string, unknown>) => ({ ...row, expires_at: (row.expires_at as Date).toISOString() }));
  }

  const gid = (answer: TokenResponse) => decodeJwt(answer.token).gid as string;

  describe('sign-in', () => {
    it('answers seed 001’s fields, a `<user id>.<80 hex>` refresh token and an access token of the membership, and stores only the hash', async () => {
      const me = await person([[org, 'agent']]);
      const answer = await service.signIn({ email: me.email, password: PASSWORD });
      expect(Object.keys(answer).sort()).toStrictEqual(['refreshToken', 'scope', 'token', 'tokenType', 'user']);
      expect([answer.tokenType, answer.user, answer.scope]).toStrictEqual(['Bearer', me.id, 'agent']);
      expect(answer.refreshToken).toMatch(new RegExp(`^${me.id}\\.[0-9a-f]{80}$`));
      const claims = decodeJwt(answer.token);
      expect(Object.keys(claims).sort()).toStrictEqual(['aud', 'client_id', 'exp', 'gid', 'iat', 'iss', 'jti', 'org', 'scope', 'sub']);
      expect([claims.iss, claims.aud, claims.sub, claims.org, claims.scope, claims.client_id, claims.iat, claims.exp])
        .toStrictEqual([PUBLIC_URL, AUDIENCE, me.id, org, 'agent', 'gatehouse-first-party', 1_795_262_400, 1_795_266_000]);
      expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(claims.gid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(decodeProtectedHeader(answer.token)).toStrictEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.stringMatching(/^es256-1-[0-9a-f]{8}$/) });
      expect(await rowsOf(me.id)).toStrictEqual([{
        family_id: claims.gid, organization_id: org, secret_hash: sha256(answer.refreshToken),
        expires_at: '2026-11-22T12:00:00.250Z', consumed_at: null, family_revoked_at: null,
      }]);
    });

    it('starts a new family at each sign-in', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const second = await service.signIn({ email: me.email, password: PASSWORD });
      expect(gid(first)).not.toBe(gid(second));
      expect(first.refreshToken).not.toBe(second.refreshToken);
    });

    it('takes the first membership by default, or the organization asked for', async () => {
      const me = await person([[org, 'bot'], [otherOrg, 'admin']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      expect([decodeJwt(first.token).org, first.scope]).toStrictEqual([org, 'bot']);
      const asked = await service.signIn({ email: me.email, password: PASSWORD, organization: otherOrg });
      expect([decodeJwt(asked.token).org, asked.scope]).toStrictEqual([otherOrg, 'admin']);
      expect((await rowsOf(me.id)).map((row) => row.organization_id)).toStrictEqual([org, otherOrg]);
    });

    it('refuses an organization the user is not an active member of with 403 forbidden, and issues nothing', async () => {
      const me = await person([[org, 'admin']]);
      const outside = (await insertOrganization(runtime.db.knex, { name: `Outside ${++serial}` })).id;
      expect(await service.signIn({ email: me.email, password: PASSWORD, organization: outside }).catch(refusalOf)).toStrictEqual(notMember);
      await runtime.db.knex('memberships').insert({ user_id: me.id, organization_id: outside, role: 'admin', disabled_at: new Date(NOW - HOUR) });
      expect(await service.signIn({ email: me.email, password: PASSWORD, organization: outside }).catch(refusalOf)).toStrictEqual(notMember);
      expect(await rowsOf(me.id)).toStrictEqual([]);
    });

    it('answers invalid_credentials for a wrong password, an unknown email, a disabled or pending user, and one without any membership', async () => {
      const member = await person([[org, 'agent']]);
      const disabled = await person([[org, 'agent']], { disabled: true });
      const pending = await person([[org, 'agent']], { pending: true });
      const alone = await person([]);
      const suspended = await person([]);
      await runtime.db.knex('memberships').insert({ user_id: suspended.id, organization_id: org, role: 'agent', disabled_at: new Date(NOW - HOUR) });
      const attempts: Array<[string, string]> = [
        [member.email, 'not the password'],
        ['nobody@example.test', PASSWORD],
        [disabled.email, PASSWORD],
        [pending.email, PASSWORD],
        [alone.email, PASSWORD],
        [suspended.email, PASSWORD],
      ];
      for (const [email, password] of attempts) {
        expect(await service.signIn({ email, password }).catch(refusalOf)).toStrictEqual(badCredentials);
      }
      expect(await runtime.db.knex('first_party_refresh_tokens').whereIn('user_id', [member.id, disabled.id, pending.id, alone.id, suspended.id])).toStrictEqual([]);
    });
  });

  describe('refresh with POST {refreshToken, clientId}', () => {
    it('consumes the token and issues the next of the same family, with the role the membership has now', async () => {
      const me = await person([[org, 'admin']], { email: `Mixed.Case-${++serial}@Example.test` });
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      await runtime.db.knex('memberships').where({ user_id: me.id }).update({ role: 'guest' });
      clock.set(NOW + 2 * HOUR);
      // The clientId is the email, compared without regard to case.
      const next = await service.refreshWithClientId(first.refreshToken, me.email.toUpperCase());
      expect([next.tokenType, next.user, next.scope]).toStrictEqual(['Bearer', me.id, 'guest']);
      expect(next.refreshToken).toMatch(new RegExp(`^${me.id}\\.[0-9a-f]{80}$`));
      const claims = decodeJwt(next.token);
      expect([claims.sub, claims.org, claims.scope, claims.gid, claims.iat]).toStrictEqual([me.id, org, 'guest', gid(first), 1_795_269_600]);
      expect(await rowsOf(me.id)).toStrictEqual([
        { family_id: gid(first), organization_id: org, secret_hash: sha256(first.refreshToken), expires_at: '2026-11-22T12:00:00.250Z', consumed_at: '2026-11-21T14:00:00.250Z', family_revoked_at: null },
        { family_id: gid(first), organization_id: org, secret_hash: sha256(next.refreshToken), expires_at: '2026-11-22T14:00:00.250Z', consumed_at: null, family_revoked_at: null },
      ]);
      // The next one works in turn.
      const third = await service.refreshWithClientId(next.refreshToken, me.email.toLowerCase());
      expect(third.scope).toBe('guest');
    });

    it('keeps the organization of the sign-in', async () => {
      const me = await person([[org, 'bot'], [otherOrg, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD, organization: otherOrg });
      const next = await service.refreshWithClientId(first.refreshToken, me.email);
      expect([decodeJwt(next.token).org, next.scope]).toStrictEqual([otherOrg, 'agent']);
      expect((await rowsOf(me.id)).map((row) => row.organization_id)).toStrictEqual([otherOrg, otherOrg]);
    });

    it('refuses another email as clientId and leaves the token to its owner', async () => {
      const me = await person([[org, 'agent']]);
      const other = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      expect(await service.refreshWithClientId(first.refreshToken, other.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect(await service.refreshWithClientId(first.refreshToken, `x${me.email}`).catch(refusalOf)).toStrictEqual(badRefresh);
      expect((await rowsOf(me.id)).map((row) => row.consumed_at)).toStrictEqual([null]);
      expect((await service.refreshWithClientId(first.refreshToken, me.email)).user).toBe(me.id);
    });

    // Seed 001: `<user id>.<80 lowercase hex>`; anything else is refused before the database is read.
    const malformed: Array<[string, string]> = [
      ['not a token at all', 'not-a-token'],
      ['79 hex characters', `00000000-0000-4000-8000-000000000000.${hex80('a').slice(1)}`],
      ['81 hex characters', `00000000-0000-4000-8000-000000000000.${hex80('a')}a`],
      ['uppercase hex', `00000000-0000-4000-8000-000000000000.${hex80('A')}`],
      ['a non-hex character', `00000000-0000-4000-8000-000000000000.${hex80('a').slice(1)}g`],
      ['an uppercase user id', `0000000A-0000-4000-8000-000000000000.${hex80('a')}`],
      ['a short user id', `0000000-0000-4000-8000-000000000000.${hex80('a')}`],
      ['a user id without dashes', `00000000000040008000000000000000.${hex80('a')}`],
      ['a colon for the dot', `00000000-0000-4000-8000-000000000000:${hex80('a')}`],
      ['a prefix', `x00000000-0000-4000-8000-000000000000.${hex80('a')}`],
      ['a suffix', `00000000-0000-4000-8000-000000000000.${hex80('a')}\n`],
      ['a 13-character last group', `00000000-0000-4000-8000-0000000000000.${hex80('a')}`],
      ['a 3-character second group', `00000000-000-4000-8000-000000000000.${hex80('a')}`],
      ['a 5-character third group', `00000000-0000-40000-8000-000000000000.${hex80('a')}`],
      ['a 3-character fourth group', `00000000-0000-4000-800-000000000000.${hex80('a')}`],
    ];
    it.each(malformed)('refuses a token with %s without reading the database', async (_name, token) => {
      queries = 0;
      expect(await service.refreshWithClientId(token, 'someone@example.test').catch(refusalOf)).toStrictEqual(badRefresh);
      expect(queries).toBe(0);
    });

    it('refuses a well-formed token that was never issued, and revokes nothing', async () => {
      const token = `00000000-0000-4000-8000-000000000000.${hex80('a')}`;
      queries = 0;
      expect(await service.refreshWithClientId(token, 'someone@example.test').catch(refusalOf)).toStrictEqual(badRefresh);
      expect(queries).toBe(1);
    });

    it('refuses an expired token from the moment it expires, without revoking its family', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const second = await service.signIn({ email: me.email, password: PASSWORD });
      clock.set(NOW + REFRESH_TTL_SECONDS * SECOND - 1);
      expect((await service.refreshWithClientId(first.refreshToken, me.email)).user).toBe(me.id);
      clock.set(NOW + REFRESH_TTL_SECONDS * SECOND);
      expect(await service.refreshWithClientId(second.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      const rows = await rowsOf(me.id);
      expect(rows.filter((row) => row.family_id === gid(second)).map((row) => [row.consumed_at, row.family_revoked_at])).toStrictEqual([[null, null]]);
      expect(await revocationsOf(gid(second))).toStrictEqual([]);
    });

    it('treats a consumed token seen again as stolen: the family is revoked, here and at every gateway', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const second = await service.refreshWithClientId(first.refreshToken, me.email);
      clock.set(NOW + 5 * SECOND);
      expect(await service.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect((await rowsOf(me.id)).map((row) => [row.consumed_at, row.family_revoked_at])).toStrictEqual([
        ['2026-11-21T12:00:00.250Z', '2026-11-21T12:00:05.250Z'],
        [null, '2026-11-21T12:00:05.250Z'],
      ]);
      // Kept past the life of any access token of the family: TTL + a minute from the revocation.
      expect(await revocationsOf(gid(first))).toStrictEqual([{ kind: 'grant', subject: gid(first), not_before: null, expires_at: '2026-11-21T13:01:05.250Z' }]);
      // The newest refresh token is dead, and so is the access token issued with it.
      expect(await service.refreshWithClientId(second.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect(await service.refreshWithBearer(second.refreshToken, second.token).catch(refusalOf)).toStrictEqual(badBearer);
      // Another sign-in of the same user is untouched.
      const other = await service.signIn({ email: me.email, password: PASSWORD });
      expect((await service.refreshWithBearer(other.refreshToken, other.token)).user).toBe(me.id);
    });

    it('costs two statements when all is well, four for a token known to be consumed', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      // The token with its holder; the consume and the next token together.
      queries = 0;
      await service.refreshWithClientId(first.refreshToken, me.email);
      expect(queries).toBe(2);
      // A reuse the first read already shows: read, failed rotation, the family's rows, the revocation.
      queries = 0;
      expect(await service.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect(queries).toBe(4);
    });

    it('costs two statements for a GET refresh too: the Bearer is asked about in the read, and a malformed refresh token is its own refusal', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      // This verifier reads the live signing keys on each call (the auth server's keeps them):
      // counted apart, the refresh is the read with the Bearer's revocation, then the rotation.
      const statements: string[] = [];
      const record = (query: { sql: string }) => statements.push(query.sql.includes('signing_keys') ? 'keys' : query.sql.includes('exists (select 1 from revocations') ? 'read with revocation' : query.sql.includes('with consumed as') ? 'rotate' : query.sql);
      runtime.db.knex.on('query', record);
      const next = await service.refreshWithBearer(first.refreshToken, first.token).finally(() => runtime.db.knex.off('query', record));
      expect(statements).toEqual(['keys', 'read with revocation', 'rotate']);
      // A valid Bearer with a refresh token of the wrong shape: the refresh token is what is refused.
      expect(await service.refreshWithBearer('not-a-refresh-token', next.token).catch(refusalOf)).toStrictEqual(badRefresh);
      expect(await service.refreshWithBearer(`${me.id}.${'0'.repeat(80)}`, next.token).catch(refusalOf)).toStrictEqual(badRefresh);
    });

    it('refuses, without a server error, a token swept away between the statements of its refresh', async () => {
      const { knex } = runtime.db;
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      // The sweeper deletes the expired token right after the failed rotation.
      const sweptAfterRotation = new Proxy(knex, {
        get(target, prop, receiver) {
          if (prop !== 'raw') return Reflect.get(target, prop, receiver) as unknown;
          return (sql: string, bindings: readonly unknown[]) => {
            if (!sql.includes('with consumed as')) return target.raw(sql, bindings as never);
            return target.raw(sql, bindings as never).then(async (result: unknown) => {
              await target('first_party_refresh_tokens').where({ secret_hash: sha256(first.refreshToken) }).delete();
              return result;
            });
          };
        },
      });
      const racing = createTokenService({ knex: sweptAfterRotation, bus: runtime.bus, clock, config: runtime.config, signer, verifyAccessToken: createAccessTokenVerifier({ knex, clock, config: runtime.config }) });
      clock.set(NOW + REFRESH_TTL_SECONDS * SECOND);
      expect(await racing.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect(await rowsOf(me.id)).toStrictEqual([]);
      expect(await revocationsOf(gid(first))).toStrictEqual([]);
    });

    it('does not revoke a revoked family again: the first revocation stands', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      await service.refreshWithClientId(first.refreshToken, me.email);
      expect(await service.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      clock.set(NOW + HOUR);
      expect(await service.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect((await rowsOf(me.id)).map((row) => row.family_revoked_at)).toStrictEqual(['2026-11-21T12:00:00.250Z', '2026-11-21T12:00:00.250Z']);
      expect(await revocationsOf(gid(first))).toStrictEqual([{ kind: 'grant', subject: gid(first), not_before: null, expires_at: '2026-11-21T13:01:00.250Z' }]);
    });

    it('refuses an unconsumed token of a revoked family without writing another revocation', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      await revokeRefreshFamiliesOfUser(runtime.db.knex, me.id, new Date(NOW));
      expect(await service.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect((await rowsOf(me.id)).map((row) => [row.consumed_at, row.family_revoked_at])).toStrictEqual([[null, '2026-11-21T12:00:00.250Z']]);
      expect(await revocationsOf(gid(first))).toStrictEqual([]);
    });

    it('of two refreshes racing with one token, one wins and the loser revokes the family', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const results = await Promise.allSettled([
        service.refreshWithClientId(first.refreshToken, me.email),
        service.refreshWithClientId(first.refreshToken, me.email),
      ]);
      expect(results.map((result) => result.status).sort()).toStrictEqual(['fulfilled', 'rejected']);
      const lost = results.find((result) => result.status === 'rejected')!;
      expect(refusalOf(lost.reason)).toStrictEqual(badRefresh);
      expect((await rowsOf(me.id)).map((row) => [row.consumed_at, row.family_revoked_at])).toStrictEqual([
        ['2026-11-21T12:00:00.250Z', '2026-11-21T12:00:00.250Z'],
        [null, '2026-11-21T12:00:00.250Z'],
      ]);
      expect(await revocationsOf(gid(first))).toStrictEqual([{ kind: 'grant', subject: gid(first), not_before: null, expires_at: '2026-11-21T13:01:00.250Z' }]);
    });

    const lostAccess: Array<[string, (userId: string, knex: OwnedRuntime['db']['knex']) => Promise<unknown>]> = [
      ['the user is disabled', (userId, knex) => knex('users').where({ id: userId }).update({ disabled_at: new Date(NOW) })],
      ['the user’s email is no longer verified', (userId, knex) => knex('users').where({ id: userId }).update({ email_verified_at: null })],
      ['the membership is removed', (userId, knex) => knex('memberships').where({ user_id: userId }).delete()],
      ['the membership is suspended', (userId, knex) => knex('memberships').where({ user_id: userId }).update({ disabled_at: new Date(NOW) })],
    ];
    it.each(lostAccess)('refuses and revokes the family when %s', async (_name, change) => {
      const me = await person([[org, 'agent'], [otherOrg, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD, organization: org });
      await change(me.id, runtime.db.knex);
      clock.set(NOW + 10 * SECOND);
      expect(await service.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect(await rowsOf(me.id)).toStrictEqual([{
        family_id: gid(first), organization_id: org, secret_hash: sha256(first.refreshToken),
        expires_at: '2026-11-22T12:00:00.250Z', consumed_at: '2026-11-21T12:00:10.250Z', family_revoked_at: '2026-11-21T12:00:10.250Z',
      }]);
      expect(await revocationsOf(gid(first))).toStrictEqual([{ kind: 'grant', subject: gid(first), not_before: null, expires_at: '2026-11-21T13:01:10.250Z' }]);
    });

    it('refuses a disabled user’s consumed token as a reuse, without revoking twice', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      await service.refreshWithClientId(first.refreshToken, me.email);
      await runtime.db.knex('users').where({ id: me.id }).update({ disabled_at: new Date(NOW) });
      clock.set(NOW + SECOND);
      expect(await service.refreshWithClientId(first.refreshToken, me.email).catch(refusalOf)).toStrictEqual(badRefresh);
      expect((await rowsOf(me.id)).map((row) => row.family_revoked_at)).toStrictEqual(['2026-11-21T12:00:01.250Z', '2026-11-21T12:00:01.250Z']);
      expect(await revocationsOf(gid(first))).toStrictEqual([{ kind: 'grant', subject: gid(first), not_before: null, expires_at: '2026-11-21T13:01:01.250Z' }]);
    });
  });

  describe('refresh with GET and the current token as Bearer', () => {
    it('rotates when the Bearer is of the same sign-in', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const next = await service.refreshWithBearer(first.refreshToken, first.token);
      expect([next.user, next.scope, gid(next)]).toStrictEqual([me.id, 'agent', gid(first)]);
      expect((await rowsOf(me.id)).map((row) => row.consumed_at)).toStrictEqual(['2026-11-21T12:00:00.250Z', null]);
    });

    it('refuses a Bearer of another sign-in or another user, and leaves the token to its owner', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const again = await service.signIn({ email: me.email, password: PASSWORD });
      // The same family, another user; the same user, another family.
      const otherUser = await signer.sign({ userId: '00000000-0000-4000-8000-000000000001', organizationId: org, role: 'agent', familyId: gid(first) });
      const otherFamily = await signer.sign({ userId: me.id, organizationId: org, role: 'agent', familyId: '00000000-0000-4000-8000-000000000002' });
      for (const bearer of [again.token, otherUser.token, otherFamily.token]) {
        expect(await service.refreshWithBearer(first.refreshToken, bearer).catch(refusalOf)).toStrictEqual(badRefresh);
      }
      expect((await rowsOf(me.id)).map((row) => row.consumed_at)).toStrictEqual([null, null]);
      expect((await service.refreshWithBearer(first.refreshToken, first.token)).user).toBe(me.id);
    });

    it('answers token_expired with GATEWAY_EXPIRED_TOKEN_STATUS for an expired Bearer, and consumes nothing', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      clock.set(NOW + TTL_SECONDS * SECOND);
      const err = await service.refreshWithBearer(first.refreshToken, first.token).catch((caught: unknown) => caught as AppError);
      expect([...refusalOf(err), (err as AppError).headers]).toStrictEqual(['token_expired', 401, 'The access token has expired; refresh it with POST /v2/auth/token and the clientId.', {}]);
      expect((await rowsOf(me.id)).map((row) => row.consumed_at)).toStrictEqual([null]);
    });

    it('answers invalid_auth with a Bearer challenge for a forged, foreign or revoked Bearer', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const [header, payload] = first.token.split('.');
      const forged = `${header}.${payload}.${'A'.repeat(86)}`;
      const visitor = await signer.signAccessToken({ subject: me.id, claims: { org }, ttlSeconds: 60 });
      for (const bearer of ['not-a-jwt', forged, visitor.token]) {
        const err = await service.refreshWithBearer(first.refreshToken, bearer).catch((caught: unknown) => caught as AppError);
        expect([...refusalOf(err), (err as AppError).headers]).toStrictEqual([...badBearer, { 'www-authenticate': 'Bearer error="invalid_token"' }]);
      }
      await runtime.db.knex('revocations').insert({ kind: 'grant', subject: gid(first), expires_at: new Date(NOW + HOUR) });
      expect(await service.refreshWithBearer(first.refreshToken, first.token).catch(refusalOf)).toStrictEqual(badBearer);
      expect((await rowsOf(me.id)).map((row) => row.consumed_at)).toStrictEqual([null]);
    });
  });

  describe('signer', () => {
    it('signs any access token with the same header, issuer, audience, jti and iat, for the lifetime asked', async () => {
      const signed = await signer.signAccessToken({ subject: 'visitor-1', claims: { visitor: 'v-1', scope: 'visitor' }, ttlSeconds: 90 });
      expect(signed.expiresAt).toBe(1_795_262_490_000);
      const claims = decodeJwt(signed.token);
      expect({ ...claims, jti: typeof claims.jti }).toStrictEqual({
        visitor: 'v-1', scope: 'visitor', iss: PUBLIC_URL, sub: 'visitor-1', aud: AUDIENCE, jti: 'string', iat: 1_795_262_400, exp: 1_795_262_490,
      });
      const first = await signer.sign({ userId: 'u-1', organizationId: 'o-1', role: 'bot', familyId: 'f-1' });
      expect(first.expiresAt).toBe(1_795_266_000_000);
      expect(decodeJwt(first.token).jti).not.toBe(claims.jti);
    });

    it('keeps its keys SIGNING_KEY_REFRESH_SECONDS, then reloads; a rotation announced on the bus reloads at once', async () => {
      const { knex } = runtime.db;
      const own = createAccessTokenSigner({ knex, secrets: runtime.secrets, config: runtime.config, clock, bus: runtime.bus });
      const kid = async () => decodeProtectedHeader((await own.sign({ userId: 'u', organizationId: 'o', role: 'bot', familyId: 'f' })).token).kid;
      const before = await kid();
      const rotated = await rotateSigningKeys({ knex, secrets: runtime.secrets, config: runtime.config, now: () => clock.now() });
      const es256 = rotated.kids.find((id) => id.startsWith('es256-'));
      clock.set(NOW + 30 * SECOND - 1);
      expect(await kid()).toBe(before);
      clock.set(NOW + 30 * SECOND);
      expect(await kid()).toBe(es256);
      // Another rotation, announced: no wait.
      const announced = await rotateSigningKeys({ knex, secrets: runtime.secrets, config: runtime.config, now: () => clock.now() });
      await runtime.bus.publish(SIGNING_KEYS_CHANNEL, {});
      await expect.poll(kid, { timeout: 2_000, interval: 20 }).toBe(announced.kids.find((id) => id.startsWith('es256-')));
      // Once closed, announcements no longer reach it.
      own.close();
      await rotateSigningKeys({ knex, secrets: runtime.secrets, config: runtime.config, now: () => clock.now() });
      await runtime.bus.publish(SIGNING_KEYS_CHANNEL, {});
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await kid()).toBe(announced.kids.find((id) => id.startsWith('es256-')));
    });

    it('fails while there is no key, tries again on the next call, and takes the ES256 key whatever comes first', async () => {
      const empty = await createTestRuntime({ clock, config: { PUBLIC_URL } });
      try {
        const own = createAccessTokenSigner({ knex: empty.db.knex, secrets: empty.secrets, config: empty.config, clock, bus: empty.bus });
        const sign = () => own.sign({ userId: 'u', organizationId: 'o', role: 'bot', familyId: 'f' });
        await expect(sign()).rejects.toThrow('no signing keys: run the auth server once or `gatehouse keys rotate`');
        await ensureSigningKeys({ knex: empty.db.knex, secrets: empty.secrets, config: empty.config, now: () => clock.now() });
        expect(decodeProtectedHeader((await sign()).token).kid).toMatch(/^es256-1-[0-9a-f]{8}$/);
        own.close();
        // It signs with the ES256 key even when another key is listed first (here the RS256 key,
        // moved to a newer generation by hand).
        await empty.db.knex('signing_keys').where({ alg: 'RS256' }).update({ generation: 2 });
        const es256 = ((await empty.db.knex('signing_keys').where({ alg: 'ES256' }).first('kid')) as { kid: string }).kid;
        const fresh = createAccessTokenSigner({ knex: empty.db.knex, secrets: empty.secrets, config: empty.config, clock, bus: empty.bus });
        const signed = await fresh.sign({ userId: 'u', organizationId: 'o', role: 'bot', familyId: 'f' });
        expect(decodeProtectedHeader(signed.token)).toStrictEqual({ alg: 'ES256', typ: 'at+jwt', kid: es256 });
        fresh.close();
      } finally {
        await empty.close();
      }
    });
  });

  describe('refresh-token rows', () => {
    async function issued(userId: string, familyId: string, secret: string, expiresAt: number) {
      await insertRefreshToken(runtime.db.knex, { familyId, userId, organizationId: org, secretHash: secret, expiresAt: new Date(expiresAt) });
    }

    it('consumes a live token once; not a consumed, revoked or expired one', async () => {
      const { knex } = runtime.db;
      const me = await person([[org, 'agent']]);
      const family = '00000000-0000-4000-8000-00000000000a';
      await issued(me.id, family, `live-${serial}`, NOW + 1);
      await issued(me.id, family, `expired-${serial}`, NOW);
      const consumed = await consumeRefreshToken(knex, `live-${serial}`, new Date(NOW));
      expect([consumed?.family_id, consumed?.user_id, consumed?.organization_id, consumed?.consumed_at?.toISOString()]).toStrictEqual([family, me.id, org, '2026-11-21T12:00:00.250Z']);
      expect(await consumeRefreshToken(knex, `live-${serial}`, new Date(NOW))).toBeUndefined();
      expect(await consumeRefreshToken(knex, `expired-${serial}`, new Date(NOW))).toBeUndefined();
      await issued(me.id, '00000000-0000-4000-8000-00000000000b', `revoked-${serial}`, NOW + HOUR);
      await revokeRefreshFamily(knex, '00000000-0000-4000-8000-00000000000b', new Date(NOW));
      expect(await consumeRefreshToken(knex, `revoked-${serial}`, new Date(NOW))).toBeUndefined();
      expect((await findRefreshToken(knex, `revoked-${serial}`))?.consumed_at).toBeNull();
    });

    it('rotates a live token into the next of its family; not a consumed, revoked or expired one', async () => {
      const { knex } = runtime.db;
      const me = await person([[org, 'agent']]);
      const family = '00000000-0000-4000-8000-00000000000c';
      await issued(me.id, family, `a-${serial}`, NOW + 1);
      const next = { now: new Date(NOW), nextExpiresAt: new Date(NOW + HOUR) };
      expect(await rotateRefreshToken(knex, { secretHash: `a-${serial}`, nextSecretHash: `b-${serial}`, ...next })).toStrictEqual({ family_id: family, organization_id: org });
      expect(await rotateRefreshToken(knex, { secretHash: `a-${serial}`, nextSecretHash: `c-${serial}`, ...next })).toBeUndefined();
      const b = await findRefreshToken(knex, `b-${serial}`);
      expect([b?.family_id, b?.user_id, b?.organization_id, b?.expires_at.toISOString(), b?.consumed_at]).toStrictEqual([family, me.id, org, '2026-11-21T13:00:00.250Z', null]);
      expect(await findRefreshToken(knex, `c-${serial}`)).toBeUndefined();
      await issued(me.id, family, `expired-${serial}`, NOW);
      expect(await rotateRefreshToken(knex, { secretHash: `expired-${serial}`, nextSecretHash: `d-${serial}`, ...next })).toBeUndefined();
      await revokeRefreshFamily(knex, family, new Date(NOW));
      expect(await rotateRefreshToken(knex, { secretHash: `b-${serial}`, nextSecretHash: `e-${serial}`, ...next })).toBeUndefined();
      expect(await knex('first_party_refresh_tokens').whereIn('secret_hash', [`c-${serial}`, `d-${serial}`, `e-${serial}`])).toStrictEqual([]);
    });

    it('reads the holder: email, sign-in state and the role of the active membership only', async () => {
      const { knex } = runtime.db;
      const me = await person([[org, 'bot']]);
      await issued(me.id, '00000000-0000-4000-8000-00000000000d', `h-${serial}`, NOW + HOUR);
      const found = await findRefreshTokenWithHolder(knex, `h-${serial}`);
      expect(Object.keys(found!.token).sort()).toStrictEqual(['consumed_at', 'expires_at', 'family_id', 'family_revoked_at', 'id', 'organization_id', 'user_id']);
      expect([found!.holder.email, found!.holder.disabled_at, found!.holder.email_verified_at instanceof Date, found!.holder.role]).toStrictEqual([me.email, null, true, 'bot']);
      await knex('memberships').where({ user_id: me.id }).update({ disabled_at: new Date(NOW) });
      expect((await findRefreshTokenWithHolder(knex, `h-${serial}`))!.holder.role).toBeNull();
      expect(await findRefreshTokenWithHolder(knex, 'no-such-hash')).toBeUndefined();
    });

    it('revokes every family of one user, keeping the first revocation time, and no one else’s', async () => {
      const { knex } = runtime.db;
      const me = await person([[org, 'agent']]);
      const other = await person([[org, 'agent']]);
      await issued(me.id, '00000000-0000-4000-8000-000000000010', `f1-${serial}`, NOW + HOUR);
      await issued(me.id, '00000000-0000-4000-8000-000000000011', `f2-${serial}`, NOW + HOUR);
      await issued(other.id, '00000000-0000-4000-8000-000000000012', `f3-${serial}`, NOW + HOUR);
      await revokeRefreshFamily(knex, '00000000-0000-4000-8000-000000000010', new Date(NOW - HOUR));
      await revokeRefreshFamiliesOfUser(knex, me.id, new Date(NOW));
      expect((await rowsOf(me.id)).map((row) => row.family_revoked_at).sort()).toStrictEqual(['2026-11-21T11:00:00.250Z', '2026-11-21T12:00:00.250Z']);
      expect((await rowsOf(other.id)).map((row) => row.family_revoked_at)).toStrictEqual([null]);
    });

    it('deletes the tokens expired at `now` or before, and says how many', async () => {
      const { knex } = runtime.db;
      const me = await person([[org, 'agent']]);
      // Long before any other test's tokens expire, so these are the only ones to go.
      const sweep = NOW - 400 * 86_400_000;
      await issued(me.id, '00000000-0000-4000-8000-000000000013', `x1-${serial}`, sweep - 1);
      await issued(me.id, '00000000-0000-4000-8000-000000000013', `x2-${serial}`, sweep);
      await issued(me.id, '00000000-0000-4000-8000-000000000013', `x3-${serial}`, sweep + 1);
      expect(await deleteExpiredRefreshTokens(knex, new Date(sweep))).toBe(2);
      expect((await rowsOf(me.id)).map((row) => row.secret_hash)).toStrictEqual([`x3-${serial}`]);
      expect(await deleteExpiredRefreshTokens(knex, new Date(sweep))).toBe(0);
    });

    it('are swept by the auth server’s sweeper once expired', async () => {
      const me = await person([[org, 'agent']]);
      await issued(me.id, '00000000-0000-4000-8000-000000000014', `s1-${serial}`, NOW - 1);
      await issued(me.id, '00000000-0000-4000-8000-000000000014', `s2-${serial}`, NOW + 1);
      const sweeper = startSweeper({ knex: runtime.db.knex, clock, intervalMs: 3_600_000, logger: createLogger({ level: 'silent' }) });
      await sweeper.sweep();
      sweeper.stop();
      expect((await rowsOf(me.id)).map((row) => row.secret_hash)).toStrictEqual([`s2-${serial}`]);
    });
  });

  describe('sign-in throttle', () => {
    // On the postgres project the Redis is shared across runs: the runtime's prefix is this run's own.
    const throttleOf = (redis?: Redis, keyPrefix = `${runtime.config.REDIS_KEY_PREFIX}pfx:`) => createSignInThrottle({ redis, keyPrefix, maxFailures: MAX_FAILURES, blockSeconds: BLOCK_SECONDS });
    const rateLimited = ['rate_limited', 429, 'Too many failed sign-ins; try again later.', { 'retry-after': '60' }];
    const checked = (throttle: ReturnType<typeof throttleOf>, email: string, ip: string) =>
      throttle.check(email, ip).then(() => 'allowed', (err: unknown) => [...refusalOf(err), (err as AppError).headers]);

    it('blocks an (email, IP) pair after MAX failures, whatever the case of the email, and only that pair', async () => {
      const throttle = throttleOf(runtime.redis);
      for (let i = 0; i < MAX_FAILURES - 1; i += 1) await throttle.failed('Pat@Example.test', '203.0.113.1');
      expect(await checked(throttle, 'pat@example.test', '203.0.113.1')).toBe('allowed');
      await throttle.failed('PAT@example.test', '203.0.113.1');
      expect(await checked(throttle, 'pat@example.test', '203.0.113.1')).toStrictEqual(rateLimited);
      expect(await checked(throttle, 'pat@example.test', '203.0.113.2')).toBe('allowed');
      expect(await checked(throttle, 'other@example.test', '203.0.113.1')).toBe('allowed');
      // Failing on while blocked neither throws nor lifts the block.
      await throttle.failed('pat@example.test', '203.0.113.1');
      await throttle.failed('pat@example.test', '203.0.113.1');
      expect(await checked(throttle, 'pat@example.test', '203.0.113.1')).toStrictEqual(rateLimited);
    });

    it('lets the pair in again the moment the window ends, even before the store forgets it', async () => {
      // Only Date is faked: the store's own timer, which deletes the entry, does not fire.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(NOW);
        const throttle = throttleOf();
        for (let i = 0; i < MAX_FAILURES; i += 1) await throttle.failed('lee@example.test', '203.0.113.1');
        vi.setSystemTime(NOW + BLOCK_SECONDS * SECOND - 1);
        expect(await checked(throttle, 'lee@example.test', '203.0.113.1')).toStrictEqual(['rate_limited', 429, 'Too many failed sign-ins; try again later.', { 'retry-after': '1' }]);
        vi.setSystemTime(NOW + BLOCK_SECONDS * SECOND);
        expect(await checked(throttle, 'lee@example.test', '203.0.113.1')).toBe('allowed');
      } finally {
        vi.useRealTimers();
      }
    });

    it('forgets the failures of a pair on success', async () => {
      const throttle = throttleOf(runtime.redis);
      for (let i = 0; i < MAX_FAILURES - 1; i += 1) await throttle.failed('sam@example.test', '203.0.113.1');
      await throttle.succeeded('SAM@example.test', '203.0.113.1');
      for (let i = 0; i < MAX_FAILURES - 1; i += 1) await throttle.failed('sam@example.test', '203.0.113.1');
      expect(await checked(throttle, 'sam@example.test', '203.0.113.1')).toBe('allowed');
    });

    it('counts in Redis under `<prefix>token-api-failures:<email>|<ip>`, and in memory while Redis is unreachable', async () => {
      const keys: string[] = [];
      const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
      const unreachable = {
        defineCommand() {},
        rlflxIncr(args: string[]) {
          keys.push(args[0]!);
          return down();
        },
        multi() {
          throw new Error('connect ECONNREFUSED');
        },
        del: down,
      } as unknown as Redis;
      const throttle = throttleOf(unreachable, 'gh:');
      for (let i = 0; i < MAX_FAILURES; i += 1) await throttle.failed('Kim@Example.test', '198.51.100.7');
      expect(keys).toStrictEqual(Array(MAX_FAILURES).fill('gh:token-api-failures:kim@example.test|198.51.100.7'));
      expect(await checked(throttle, 'kim@example.test', '198.51.100.7')).toStrictEqual(rateLimited);
      await throttle.succeeded('kim@example.test', '198.51.100.7');
      expect(await checked(throttle, 'kim@example.test', '198.51.100.7')).toBe('allowed');
    });
  });

  describe('the koa middleware', () => {
    let server: http.Server;
    let base: string;

    beforeAll(async () => {
      const app = new Koa();
      app.use(requestContext({ logger: createLogger({ level: 'silent' }) }));
      app.use(tokenApi({ service, throttle: createSignInThrottle({ redis: runtime.redis, keyPrefix: `${runtime.config.REDIS_KEY_PREFIX}router:`, maxFailures: MAX_FAILURES, blockSeconds: BLOCK_SECONDS }) }));
      app.use((ctx) => {
        ctx.body = { passedOn: ctx.path };
      });
      server = http.createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    async function send(method: string, target: string, options: { json?: unknown; raw?: string; type?: string; authorization?: string } = {}) {
      const headers: Record<string, string> = {};
      const body = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
      if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
      if (options.authorization) headers.authorization = options.authorization;
      const res = await fetch(`${base}${target}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      if (parsed && 'request_id' in parsed) delete parsed.request_id;
      return { status: res.status, body: parsed, cacheControl: res.headers.get('cache-control'), allow: res.headers.get('allow'), challenge: res.headers.get('www-authenticate'), retryAfter: res.headers.get('retry-after') };
    }
    const error = (code: string, message: string, details?: unknown) => ({ ok: false, error: code, message, ...(details === undefined ? {} : { details }) });
    const fields = (...list: Array<[string, string]>) => ({ fields: list.map(([field, message]) => ({ field, message })) });

    it('serves /v2/auth/token only, and passes every other path on', async () => {
      expect(TOKEN_API_PATH).toBe('/v2/auth/token');
      for (const path of ['/v2/auth/token/', '/v2/auth/tokens', '/v2/auth']) {
        expect(await send('POST', path, { json: {} })).toStrictEqual({ status: 200, body: { passedOn: path }, cacheControl: null, allow: null, challenge: null, retryAfter: null });
      }
    });

    it('signs in with POST, without caching', async () => {
      const me = await person([[org, 'agent']]);
      const res = await send('POST', '/v2/auth/token', { json: { email: `  ${me.email}  `, password: PASSWORD } });
      expect([res.status, res.cacheControl, res.body?.user, res.body?.scope, res.body?.tokenType]).toStrictEqual([200, 'no-store', me.id, 'agent', 'Bearer']);
    });

    it('refreshes with POST {refreshToken, clientId} and with GET and a Bearer', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const got = await send('GET', `/v2/auth/token?refreshToken=${first.refreshToken}`, { authorization: `Bearer ${first.token}` });
      expect([got.status, got.cacheControl, got.body?.user]).toStrictEqual([200, 'no-store', me.id]);
      const posted = await send('POST', '/v2/auth/token', { json: { refreshToken: got.body?.refreshToken, clientId: ` ${me.email} ` } });
      expect([posted.status, posted.cacheControl, posted.body?.user]).toStrictEqual([200, 'no-store', me.id]);
    });

    it('answers 405 with Allow for any other method', async () => {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        expect(await send(method, '/v2/auth/token')).toStrictEqual({
          status: 405, body: error('method_not_allowed', `${method} is not allowed here; use POST to sign in or refresh, GET to refresh before expiry.`),
          cacheControl: 'no-store', allow: 'GET, POST', challenge: null, retryAfter: null,
        });
      }
    });

    it('refuses a POST refresh that carries an Authorization header, before reading the token', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const res = await send('POST', '/v2/auth/token', { json: { refreshToken: first.refreshToken, clientId: me.email }, authorization: `Bearer ${first.token}` });
      expect([res.status, res.body, res.cacheControl]).toStrictEqual([
        400, error('invalid_request', 'Refresh with POST is for expired tokens and takes no Authorization header; use GET with the current token instead.'), 'no-store',
      ]);
      expect((await rowsOf(me.id)).map((row) => row.consumed_at)).toStrictEqual([null]);
    });

    it('refuses a GET refresh without a well-formed Bearer with a challenge', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      const target = `/v2/auth/token?refreshToken=${first.refreshToken}`;
      const noBearer = error('invalid_auth', 'Refresh with GET needs the current token as `Authorization: Bearer`.');
      for (const authorization of [undefined, `Basic ${first.token}`, `bearer ${first.token}`, `Basic Bearer ${first.token}`, `Bearer ${first.token} x`, `Bearer ${first.token},x`, 'Bearer ']) {
        const res = await send('GET', target, authorization === undefined ? {} : { authorization });
        expect([res.status, res.body, res.challenge, res.cacheControl]).toStrictEqual([401, noBearer, 'Bearer', 'no-store']);
      }
      // Well-formed (token68 may end in `=`) but not a token of ours.
      const res = await send('GET', target, { authorization: 'Bearer a.b~c+d/e-f_g==' });
      expect([res.status, res.body, res.challenge]).toStrictEqual([401, error('invalid_auth', 'The access token is not valid.'), 'Bearer error="invalid_token"']);
      expect((await rowsOf(me.id)).map((row) => row.consumed_at)).toStrictEqual([null]);
    });

    it('answers the expired-token status on GET for an expired Bearer', async () => {
      const me = await person([[org, 'agent']]);
      const first = await service.signIn({ email: me.email, password: PASSWORD });
      clock.set(NOW + TTL_SECONDS * SECOND + 1);
      const res = await send('GET', `/v2/auth/token?refreshToken=${first.refreshToken}`, { authorization: `Bearer ${first.token}` });
      expect([res.status, res.body]).toStrictEqual([401, error('token_expired', 'The access token has expired; refresh it with POST /v2/auth/token and the clientId.')]);
    });

    it('needs a refreshToken on GET', async () => {
      const missing = error('validation_failed', 'refreshToken: is required', fields(['refreshToken', 'is required']));
      for (const target of ['/v2/auth/token', '/v2/auth/token?refreshToken=', '/v2/auth/token?refreshToken=a&refreshToken=b']) {
        const res = await send('GET', target, { authorization: 'Bearer abc' });
        expect([res.status, res.body, res.cacheControl]).toStrictEqual([400, missing, 'no-store']);
      }
    });

    const invalid: Array<[string, unknown, unknown]> = [
      ['a missing password', { email: 'a@example.test' }, error('validation_failed', 'password: is required', fields(['password', 'is required']))],
      ['a blank email', { email: '   ', password: 'x' }, error('validation_failed', 'email: is required', fields(['email', 'is required']))],
      ['an empty password', { email: 'a@example.test', password: '' }, error('validation_failed', 'password: is required', fields(['password', 'is required']))],
      ['an email of 255 characters', { email: `${'a'.repeat(242)}@example.test`, password: 'x' }, error('validation_failed', 'email: Too big: expected string to have <=254 characters', fields(['email', 'Too big: expected string to have <=254 characters']))],
      ['a password of 1025 characters', { email: 'a@example.test', password: 'p'.repeat(1025) }, error('validation_failed', 'password: Too big: expected string to have <=1024 characters', fields(['password', 'Too big: expected string to have <=1024 characters']))],
      ['an organization that is no id', { email: 'a@example.test', password: 'x', organization: 'acme' }, error('validation_failed', 'organization: must be an organization id', fields(['organization', 'must be an organization id']))],
      ['an unknown field', { email: 'a@example.test', password: 'x', grant_type: 'password' }, error('validation_failed', 'grant_type: is not a known field', fields(['grant_type', 'is not a known field']))],
      ['null', null, error('validation_failed', '(body): Invalid input: expected object, received null', fields(['(body)', 'Invalid input: expected object, received null']))],
      ['a string', 'refreshToken', error('validation_failed', '(body): Invalid input: expected object, received string', fields(['(body)', 'Invalid input: expected object, received string']))],
      ['a refresh without clientId', { refreshToken: 'x' }, error('validation_failed', 'clientId: is required', fields(['clientId', 'is required']))],
      ['a refresh with a blank clientId', { refreshToken: 'x', clientId: '  ' }, error('validation_failed', 'clientId: is required', fields(['clientId', 'is required']))],
      ['a refresh with an empty refreshToken', { refreshToken: '', clientId: 'a@example.test' }, error('validation_failed', 'refreshToken: is required', fields(['refreshToken', 'is required']))],
      ['a refresh token of 513 characters', { refreshToken: 'r'.repeat(513), clientId: 'a@example.test' }, error('validation_failed', 'refreshToken: Too big: expected string to have <=512 characters', fields(['refreshToken', 'Too big: expected string to have <=512 characters']))],
      ['a clientId of 255 characters', { refreshToken: 'x', clientId: 'c'.repeat(255) }, error('validation_failed', 'clientId: Too big: expected string to have <=254 characters', fields(['clientId', 'Too big: expected string to have <=254 characters']))],
      ['a refresh with an email', { refreshToken: 'x', clientId: 'a@example.test', email: 'a@example.test' }, error('validation_failed', 'email: is not a known field', fields(['email', 'is not a known field']))],
    ];
    it.each(invalid)('answers 400 validation_failed for %s', async (_name, json, expected) => {
      const res = await send('POST', '/v2/auth/token', { json });
      expect([res.status, res.body, res.cacheControl]).toStrictEqual([400, expected, 'no-store']);
    });

    it('takes the longest values allowed', async () => {
      const res = await send('POST', '/v2/auth/token', { json: { email: `${'a'.repeat(241)}@example.test`, password: 'p'.repeat(1024) } });
      expect([res.status, res.body]).toStrictEqual([401, error(badCredentials[0], badCredentials[2])]);
      const refresh = await send('POST', '/v2/auth/token', { json: { refreshToken: 'r'.repeat(512), clientId: 'c'.repeat(254) } });
      expect([refresh.status, refresh.body]).toStrictEqual([401, error(badRefresh[0], badRefresh[2])]);
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await send('POST', '/v2/auth/token', { raw: 'email=a&password=b', type: 'application/x-www-form-urlencoded' });
      expect([res.status, res.body]).toStrictEqual([415, error('unsupported_media_type', 'Send the request body as application/json.')]);
    });

    it('counts failed sign-ins per email and IP, not refusals of another kind, and forgets them on success', async () => {
      const me = await person([[org, 'agent']]);
      const outside = (await insertOrganization(runtime.db.knex, { name: `Outside ${++serial}` })).id;
      const wrong = { email: me.email, password: 'wrong password' };
      const denied = error(badCredentials[0], badCredentials[2]);
      for (let i = 0; i < MAX_FAILURES - 1; i += 1) expect((await send('POST', '/v2/auth/token', { json: wrong })).body).toStrictEqual(denied);
      // Neither a 403 nor a 400 counts.
      expect((await send('POST', '/v2/auth/token', { json: { email: me.email, password: PASSWORD, organization: outside } })).status).toBe(403);
      expect((await send('POST', '/v2/auth/token', { json: { email: me.email, password: '' } })).status).toBe(400);
      expect((await send('POST', '/v2/auth/token', { json: { email: me.email, password: PASSWORD } })).status).toBe(200);
      // The success wiped the count: MAX - 1 more failures are still allowed, the MAX-th blocks.
      for (let i = 0; i < MAX_FAILURES - 1; i += 1) expect((await send('POST', '/v2/auth/token', { json: wrong })).status).toBe(401);
      expect((await send('POST', '/v2/auth/token', { json: { email: me.email, password: PASSWORD } })).status).toBe(200);
      for (let i = 0; i < MAX_FAILURES; i += 1) expect((await send('POST', '/v2/auth/token', { json: { ...wrong, email: me.email.toUpperCase() } })).status).toBe(401);
      // Blocked now, even with the right password.
      const blocked = await send('POST', '/v2/auth/token', { json: { email: me.email, password: PASSWORD } });
      expect([blocked.status, blocked.body, blocked.retryAfter]).toStrictEqual([429, error('rate_limited', 'Too many failed sign-ins; try again later.'), '60']);
    });
  });

  describe('createTokenApi', () => {
    it('wires the service, the throttle from the config and the signer into one middleware', async () => {
      const lookups = createGrantLookups({ knex: runtime.db.knex, bus: runtime.bus, clock, maxAgeMs: 60_000, unseal: async () => undefined });
      const api = createTokenApi(runtime, lookups);
      const app = new Koa();
      app.use(requestContext({ logger: createLogger({ level: 'silent' }) }));
      app.use(api.middleware);
      const server = http.createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/auth/token`;
      const post = async (json: unknown, authorization?: string) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(json) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      try {
        const me = await person([[org, 'admin']]);
        const signedIn = await post({ email: me.email, password: PASSWORD });
        expect([signedIn.status, signedIn.body.user, signedIn.body.scope]).toStrictEqual([200, me.id, 'admin']);
        const token = signedIn.body.token as string;
        expect(decodeJwt(token).exp).toBe(1_795_266_000);
        // The GET refresh verifies the Bearer with the lookups' keys.
        const got = await fetch(`${url}?refreshToken=${signedIn.body.refreshToken as string}`, { headers: { authorization: `Bearer ${token}` } });
        expect(got.status).toBe(200);
        // The throttle has the configured limit.
        for (let i = 0; i < MAX_FAILURES; i += 1) expect((await post({ email: me.email, password: 'wrong password' })).status).toBe(401);
        expect((await post({ email: me.email, password: PASSWORD })).status).toBe(429);
        // The signer it hands out is the one it signs with.
        const visitor = await api.signer.signAccessToken({ subject: 'v', claims: {}, ttlSeconds: 5 });
        expect(decodeProtectedHeader(visitor.token).kid).toBe(decodeProtectedHeader(token).kid);
        // Closed, its signer no longer hears of rotations: it keeps its keys until they are due a reload.
        api.close();
        await rotateSigningKeys({ knex: runtime.db.knex, secrets: runtime.secrets, config: runtime.config, now: () => clock.now() });
        await runtime.bus.publish(SIGNING_KEYS_CHANNEL, {});
        await new Promise((resolve) => setTimeout(resolve, 200));
        const after = await api.signer.signAccessToken({ subject: 'v', claims: {}, ttlSeconds: 5 });
        expect(decodeProtectedHeader(after.token).kid).toBe(decodeProtectedHeader(token).kid);
      } finally {
        api.close();
        lookups.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
