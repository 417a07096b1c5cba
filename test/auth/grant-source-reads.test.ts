import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFindAccount } from '../../src/auth/accounts/find-account.js';
import { directGrantReads } from '../../src/auth/cache/grant-lookups.js';
import { createAdapterFactory } from '../../src/auth/storage/adapter.js';
import { setGrantOrganization } from '../../src/auth/storage/oidc-rows.js';
import { withRequestGrants } from '../../src/auth/storage/request-grants.js';
import { insertRefreshToken } from '../../src/auth/token-api/refresh-token-rows.js';
import { createTokenService } from '../../src/auth/token-api/service.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { sha256 } from '../../src/shared/digest.js';
import { createTestRuntime } from '../helpers/gatehouse.js';

// A grant reads its code or refresh token together with the grant, the user and the membership
// (storage/grant-source-rows.ts), and /v2/auth/token consumes a refresh token and stores the next
// in one statement: fewer statements, the same answers, and nothing kept past the request.

describe('what a grant reads, in one statement per request', () => {
  let runtime: OwnedRuntime;
  let adapter: ReturnType<typeof createAdapterFactory>;
  let statements = 0;
  let organizationId: string;
  let userId: string;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    runtime.db.knex.on('query', () => statements++);
    adapter = createAdapterFactory({
      knex: runtime.db.knex, clock: runtime.clock, findClient: async () => undefined, onReplay: async () => {}, onAccessTokensRevoked: async () => {},
    });
    organizationId = (await insertOrganization(runtime.db.knex, { name: 'reads' })).id;
    userId = (await insertUser(runtime.db.knex, { email: 'reads@example.test', name: 'Reads', passwordHash: null })).id;
    await insertMembership(runtime.db.knex, { userId, organizationId, role: 'agent' });
  });
  afterAll(() => runtime?.close());

  async function mint(code: string, accountId = userId): Promise<void> {
    await adapter('Grant').upsert(`g-${code}`, { kind: 'Grant', jti: `g-${code}`, accountId, clientId: 'c' } as never, 60);
    await setGrantOrganization(runtime.db.knex, `g-${code}`, organizationId);
    await adapter('AuthorizationCode').upsert(code, { kind: 'AuthorizationCode', jti: code, accountId, clientId: 'c', grantId: `g-${code}` } as never, 60);
  }

  /** What the provider asks during one code redemption: code, grant, account, then the role. */
  async function redeem(code: string, accountId = userId) {
    return withRequestGrants(async () => {
      const before = statements;
      const found = await adapter('AuthorizationCode').find(code);
      const grant = await adapter('Grant').find(`g-${code}`);
      const account = await createFindAccount(runtime.db.knex)({} as never, accountId);
      const role = await directGrantReads(runtime.db.knex).membershipRole(organizationId, accountId);
      return { found, grant, account, role, statements: statements - before };
    });
  }

  it('reads the code, its grant, its user and the membership role in one statement', async () => {
    await mint('one');
    const read = await redeem('one');
    expect(read).toMatchObject({ found: { jti: 'one', grantId: 'g-one' }, grant: { jti: 'g-one', accountId: userId }, account: { accountId: userId }, role: 'agent', statements: 1 });
    expect(await read.account!.claims('id_token', 'openid email profile', {}, [])).toEqual({ sub: userId, email: 'reads@example.test', email_verified: true, name: 'Reads' });
  });

  it('sees a demotion, a suspended membership and a disabled user at the very next grant', async () => {
    const knex = runtime.db.knex;
    await mint('demoted');
    await knex('memberships').where({ user_id: userId, organization_id: organizationId }).update({ role: 'guest' });
    expect((await redeem('demoted')).role).toBe('guest');
    await mint('suspended');
    await knex('memberships').where({ user_id: userId, organization_id: organizationId }).update({ disabled_at: new Date() });
    expect((await redeem('suspended')).role).toBeUndefined();
    await knex('memberships').where({ user_id: userId, organization_id: organizationId }).update({ disabled_at: null, role: 'agent' });
    await mint('disabled');
    await knex('users').where({ id: userId }).update({ disabled_at: new Date() });
    expect(await redeem('disabled')).toMatchObject({ account: undefined, statements: 1 });
    await knex('users').where({ id: userId }).update({ disabled_at: null });
    await mint('again');
    expect(await redeem('again')).toMatchObject({ account: { accountId: userId }, role: 'agent' });
  });

  it('joins no user for an account id that is no UUID, and fails nothing', async () => {
    await mint('odd', 'not-a-uuid');
    expect(await redeem('odd', 'not-a-uuid')).toMatchObject({ found: { jti: 'odd' }, grant: { jti: 'g-odd' }, account: undefined, role: undefined });
  });

  it('keeps nothing past the request: outside one, every read goes to the database', async () => {
    await mint('outside');
    await withRequestGrants(() => adapter('AuthorizationCode').find('outside'));
    const before = statements;
    expect(await adapter('Grant').find('g-outside')).toMatchObject({ jti: 'g-outside' });
    expect(await createFindAccount(runtime.db.knex)({} as never, userId)).toMatchObject({ accountId: userId });
    expect(statements - before).toBe(2);
  });

  it('rotates a /v2/auth/token refresh token in two statements, and of concurrent rotations exactly one wins', async () => {
    const knex = runtime.db.knex;
    const service = createTokenService({
      knex, bus: runtime.bus, clock: runtime.clock, config: runtime.config,
      signer: { sign: async () => ({ token: 'signed', expiresAt: 0 }), signAccessToken: async () => ({ token: 'signed', expiresAt: 0 }) },
      verifyAccessToken: async () => undefined,
    });
    const token = (n: number) => `${userId}.${n.toString(16).padStart(80, '0')}`;
    const familyId = '00000000-0000-4000-8000-000000000001';
    await insertRefreshToken(knex, { familyId, userId, organizationId, secretHash: sha256(token(1)), expiresAt: new Date(runtime.clock.now() + 60_000) });
    const before = statements;
    const next = await service.refreshWithClientId(token(1), 'READS@example.test');
    expect(statements - before).toBe(2);
    expect(next).toMatchObject({ tokenType: 'Bearer', token: 'signed', user: userId, scope: 'agent' });

    const answers = await Promise.allSettled(Array.from({ length: 6 }, () => service.refreshWithClientId(next.refreshToken, 'reads@example.test')));
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(answers.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason.code)).toEqual(Array(5).fill('invalid_refresh_token'));
    // The losers were replays: the whole family is revoked, the winner's new token with it.
    const winner = (answers.find((a) => a.status === 'fulfilled') as PromiseFulfilledResult<typeof next>).value;
    await expect(service.refreshWithClientId(winner.refreshToken, 'reads@example.test')).rejects.toMatchObject({ code: 'invalid_refresh_token' });
    expect(await knex('first_party_refresh_tokens').where({ family_id: familyId }).whereNull('family_revoked_at')).toHaveLength(0);
  });
});
