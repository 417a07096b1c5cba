import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/api/handler.js';
import { changeMember, removeMember, type MemberPatch } from '../../src/api/members/service.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import type { Role } from '../../src/contract/roles.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { insertApiKey } from '../../src/db/api-keys.js';
import { fixedClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { createTestRuntime } from '../helpers/runtime.js';

// api/members/service.ts in process, on the real database: who may change what of a member, the
// last active admin, and what a demotion, a disabling or a removal ends (the member's API keys
// and OAuth grants of this organization, and a cut-off for its tokens here) while the same
// user's credentials in another organization stay alive. Every answer is written out; the
// revocations are read from their table, which is what every gateway loads.

/** 2026-11-21T12:00:00Z */
const NOW = 1_795_262_400_000;
// The longest token lifetime below is 3,600 s; revocations outlive it by a minute.
const HORIZON = NOW + 3_660_000;
const KEY_EXPIRY = NOW + 30 * 86_400_000;
/** When the fixtures' users and memberships were last changed. */
const CREATED = new Date('2026-01-01T00:00:00Z');

type Refusal = [code: string, status: number, message: string, details: unknown];

function refusalOf(err: unknown): Refusal {
  if (!(err instanceof AppError)) throw err;
  return [err.code, err.status, err.message, err.details];
}

const adminOnly = (field: string): Refusal => ['forbidden', 403, `${field}: only an admin may change it`, { fields: [{ field, message: 'only an admin may change it' }] }];
const LAST_ADMIN: Refusal = ['conflict', 409, 'The organization would be left without an active admin.', undefined];
const NO_SUCH_USER: Refusal = ['not_found', 404, 'No such user.', undefined];

describe('changing and removing members (api/members/service.ts)', () => {
  let runtime: OwnedRuntime;
  const clock = fixedClock(NOW);
  let org: string;
  let elsewhere: string;
  let group: string;
  let serial = 0;

  beforeAll(async () => {
    runtime = await createTestRuntime({
      clock,
      config: { ACCESS_TOKEN_TTL_SECONDS: 600, IMPLICIT_ACCESS_TOKEN_TTL_SECONDS: 900, TIME_BASED_TOKEN_TTL_SECONDS: 3600, VISITOR_TOKEN_TTL_SECONDS: 300 },
    });
    const knex = runtime.db.knex;
    elsewhere = (await insertOrganization(knex, { name: 'Members elsewhere' })).id;
  });
  afterAll(() => runtime.close());

  beforeEach(async () => {
    clock.set(NOW);
    // Each case gets an organization of its own, so admins and members never carry over.
    org = (await insertOrganization(runtime.db.knex, { name: `Members ${++serial}` })).id;
    group = ((await runtime.db.knex('organization_groups').insert({ organization_id: org, name: 'Billing' }).returning('id')) as Array<{ id: string }>)[0]!.id;
  });

  async function member(role: Role, options: { disabled?: boolean; alsoIn?: Role } = {}): Promise<string> {
    const knex = runtime.db.knex;
    const id = (await insertUser(knex, { email: `member-${++serial}@example.test`, name: 'Old Name', passwordHash: null })).id;
    await insertMembership(knex, { userId: id, organizationId: org, role });
    if (options.disabled) await knex('memberships').where({ organization_id: org, user_id: id }).update({ disabled_at: new Date(NOW - 86_400_000) });
    if (options.alsoIn) await insertMembership(knex, { userId: id, organizationId: elsewhere, role: options.alsoIn });
    await knex('users').where({ id }).update({ updated_at: CREATED });
    await knex('memberships').where({ user_id: id }).update({ updated_at: CREATED });
    return id;
  }

  const as = (sub: string, role: Role): Caller => ({ identity: { sub, org, kind: 'user', scopes: [role], role }, requestId: 'req-members' });

  /** The member's API keys and OAuth grants here and in the other organization. */
  async function credentials(userId: string) {
    const knex = runtime.db.knex;
    const keys: Record<string, string> = {};
    for (const [where, organizationId, expiresAt] of [['here', org, null], ['here, expiring', org, KEY_EXPIRY], ['elsewhere', elsewhere, null]] as const) {
      const row = await insertApiKey(knex, { organizationId, userId, name: where, scopes: ['agent'], displayPrefix: 'ghk_x', secretHash: `hash-${++serial}`, expiresAt: expiresAt === null ? null : new Date(expiresAt) });
      keys[where] = row.id;
    }
    const grants: Record<string, string> = { here: `grant-here-${serial}`, elsewhere: `grant-elsewhere-${serial}` };
    for (const [where, organizationId] of [['here', org], ['elsewhere', elsewhere]] as const) {
      await knex('oidc_models').insert([
        { model: 'Grant', id: grants[where], payload: '{}', account_id: userId, organization_id: organizationId },
        { model: 'AccessToken', id: `token-${where}-${serial}`, payload: '{}', grant_id: grants[where], account_id: userId },
      ]);
    }
    return { keys, grants };
  }

  /** What is left of those credentials, and the revocations written for them (by name). */
  async function ended(userId: string, made: Awaited<ReturnType<typeof credentials>>) {
    const knex = runtime.db.knex;
    const names = new Map<string, string>([
      ...Object.entries(made.keys).map(([where, id]) => [id, `key ${where}`] as [string, string]),
      ...Object.entries(made.grants).map(([where, id]) => [id, `grant ${where}`] as [string, string]),
      [`${org}/${userId}`, 'membership here'],
    ]);
    const keys = (await knex('api_keys').where({ user_id: userId }).select('id', 'revoked_at')) as Array<{ id: string; revoked_at: Date | null }>;
    const models = (await knex('oidc_models').whereIn('id', Object.values(made.grants)).orWhereIn('grant_id', Object.values(made.grants)).select('model', 'id', 'grant_id')) as Array<{ model: string; id: string; grant_id: string | null }>;
    const revocations = (await knex('revocations').select('kind', 'subject', 'not_before', 'expires_at')) as Array<{ kind: string; subject: string; not_before: Date | null; expires_at: Date }>;
    return {
      revokedKeys: keys.filter((key) => key.revoked_at !== null).map((key) => [names.get(key.id), key.revoked_at!.getTime()]).sort(),
      grantRows: models.map((row) => `${row.model} of ${names.get(row.grant_id ?? row.id)}`).sort(),
      revocations: revocations.filter((row) => names.has(row.subject) || row.subject.endsWith(`/${userId}`))
        .map((row) => [row.kind, names.get(row.subject) ?? row.subject, row.not_before?.getTime() ?? null, row.expires_at.getTime()]).sort(),
    };
  }

  const nothingEnded = {
    revokedKeys: [],
    grantRows: ['AccessToken of grant elsewhere', 'AccessToken of grant here', 'Grant of grant elsewhere', 'Grant of grant here'],
    revocations: [],
  };
  const everythingHereEnded = {
    // (In the order sort() puts them: "key here, expiring" before "key here,…".)
    revokedKeys: [['key here, expiring', NOW], ['key here', NOW]],
    grantRows: ['AccessToken of grant elsewhere', 'Grant of grant elsewhere'],
    revocations: [
      ['api_key', 'key here, expiring', null, KEY_EXPIRY],
      ['api_key', 'key here', null, HORIZON],
      ['grant', 'grant here', null, HORIZON],
      ['membership', 'membership here', NOW, HORIZON],
    ],
  };

  const stateOf = async (userId: string) => {
    const row = (await runtime.db.knex('memberships as m').join('users as u', 'u.id', 'm.user_id').where({ 'm.organization_id': org, 'm.user_id': userId })
      .first('u.name', 'm.role', 'm.disabled_at')) as { name: string; role: string; disabled_at: Date | null } | undefined;
    if (!row) return null;
    const groups = (await runtime.db.knex('organization_group_members').where({ user_id: userId, organization_id: org }).pluck('group_id')) as string[];
    return [row.name, row.role, row.disabled_at?.getTime() ?? null, groups.map((id) => (id === group ? 'Billing' : id))];
  };

  describe('what a member below admin may change of itself', () => {
    // (Test names avoid braces and brackets: Stryker selects tests by name as a pattern.)
    // what is tried, role of the caller, patch → the refusal (the member's own row, unchanged)
    const refused: Array<[string, Role, MemberPatch, Refusal]> = [
      ['a bot demoting itself to agent', 'bot', { role: 'agent' }, adminOnly('role')],
      ['a bot setting its own role', 'bot', { role: 'bot' }, adminOnly('role')],
      ['an agent demoting itself to guest', 'agent', { role: 'guest' }, adminOnly('role')],
      ['an agent promoting itself to admin', 'agent', { role: 'admin' }, adminOnly('role')],
      ['a guest setting its own role', 'guest', { role: 'guest' }, adminOnly('role')],
      ['a bot disabling itself', 'bot', { status: 'disabled' }, adminOnly('status')],
      ['an agent enabling itself', 'agent', { status: 'active' }, adminOnly('status')],
      ['an agent setting its groups', 'agent', { group_ids: [] }, adminOnly('group_ids')],
      ['a bot renaming itself and setting its role', 'bot', { name: 'New Name', role: 'bot' }, adminOnly('role')],
      ['an agent setting its status and groups', 'agent', { status: 'active', group_ids: [] }, adminOnly('status')],
    ];
    it.each(refused)('%s is refused', async (_name, role, patch, refusal) => {
      const me = await member(role);
      expect(refusalOf(await changeMember(runtime, as(me, role), me, patch, 'users.updateMe').catch((err: unknown) => err))).toStrictEqual(refusal);
      expect(await stateOf(me)).toStrictEqual(['Old Name', role, null, []]);
    });

    it('its own name, yes', async () => {
      const me = await member('agent');
      const row = await changeMember(runtime, as(me, 'agent'), me, { name: 'New Name' }, 'users.updateMe');
      expect([row.name, row.role]).toStrictEqual(['New Name', 'agent']);
      expect(await stateOf(me)).toStrictEqual(['New Name', 'agent', null, []]);
    });
  });

  describe('what an admin may change', () => {
    it('never another user\'s name: it belongs to the user', async () => {
      const admin = await member('admin');
      const other = await member('agent');
      expect(refusalOf(await changeMember(runtime, as(admin, 'admin'), other, { name: 'Renamed' }, 'members.update').catch((err: unknown) => err)))
        .toStrictEqual(['forbidden', 403, "name: is the user's own: only they may change it", { fields: [{ field: 'name', message: "is the user's own: only they may change it" }] }]);
      expect(await stateOf(other)).toStrictEqual(['Old Name', 'agent', null, []]);
    });

    it('role, status and groups of a member, recorded in the audit log', async () => {
      const admin = await member('admin');
      const other = await member('guest');
      const row = await changeMember(runtime, as(admin, 'admin'), other, { role: 'bot', group_ids: [group] }, 'members.update');
      expect([row.role, row.disabled_at]).toStrictEqual(['bot', null]);
      expect(await stateOf(other)).toStrictEqual(['Old Name', 'bot', null, ['Billing']]);
      const audit = await runtime.db.knex('audit_events').where({ organization_id: org, resource_id: other }).select('actor_id', 'action', 'resource_type', 'request_id', 'changes');
      expect(audit).toStrictEqual([{ actor_id: admin, action: 'members.update', resource_type: 'user', request_id: 'req-members', changes: { role: 'bot', group_ids: [group] } }]);
    });

    it('a change to the membership leaves the user\'s profile as it was, and a new name leaves the membership', async () => {
      const admin = await member('admin');
      const other = await member('agent');
      const updatedAt = async () => [
        ((await runtime.db.knex('users').where({ id: other }).first('updated_at')) as { updated_at: Date }).updated_at.getTime() === CREATED.getTime() ? 'user as it was' : 'user changed',
        ((await runtime.db.knex('memberships').where({ user_id: other, organization_id: org }).first('updated_at')) as { updated_at: Date }).updated_at.getTime() === CREATED.getTime() ? 'membership as it was' : 'membership changed',
      ];
      await changeMember(runtime, as(admin, 'admin'), other, { group_ids: [group] }, 'members.update');
      expect(await updatedAt()).toStrictEqual(['user as it was', 'membership as it was']);
      await changeMember(runtime, as(other, 'agent'), other, { name: 'Own Name' }, 'users.updateMe');
      expect(await updatedAt()).toStrictEqual(['user changed', 'membership as it was']);
      await runtime.db.knex('users').where({ id: other }).update({ updated_at: CREATED });
      await changeMember(runtime, as(admin, 'admin'), other, { role: 'bot' }, 'members.update');
      expect(await updatedAt()).toStrictEqual(['user as it was', 'membership changed']);
    });

    it('a disabled member given another role stays disabled; one given a status only keeps its role', async () => {
      const admin = await member('admin');
      const other = await member('agent', { disabled: true });
      await changeMember(runtime, as(admin, 'admin'), other, { role: 'bot' }, 'members.update');
      expect(await stateOf(other)).toStrictEqual(['Old Name', 'bot', NOW - 86_400_000, []]);
      await changeMember(runtime, as(admin, 'admin'), other, { status: 'active' }, 'members.update');
      expect(await stateOf(other)).toStrictEqual(['Old Name', 'bot', null, []]);
    });

    it('a group of another organization or none at all is refused, and nothing changes', async () => {
      const admin = await member('admin');
      const other = await member('agent');
      const foreignGroup = async (name: string) => ((await runtime.db.knex('organization_groups').insert({ organization_id: elsewhere, name: `${name} ${serial}` }).returning('id')) as Array<{ id: string }>)[0]!.id;
      const foreign = await foreignGroup('Foreign');
      const another = await foreignGroup('Another');
      const missing = [foreign, another].sort();
      expect(refusalOf(await changeMember(runtime, as(admin, 'admin'), other, { role: 'bot', group_ids: [group, missing[0]!, missing[1]!] }, 'members.update').catch((err: unknown) => err)))
        .toStrictEqual(['validation_failed', 400, 'group_ids: no such organization group', { fields: [{ field: 'group_ids', message: `no such organization group: ${missing[0]}, ${missing[1]}` }] }]);
      expect(await stateOf(other)).toStrictEqual(['Old Name', 'agent', null, []]);
    });

    it('a member of another organization is not found', async () => {
      const admin = await member('admin');
      const stranger = (await insertUser(runtime.db.knex, { email: `stranger-${++serial}@example.test`, passwordHash: null })).id;
      await insertMembership(runtime.db.knex, { userId: stranger, organizationId: elsewhere, role: 'agent' });
      expect(refusalOf(await changeMember(runtime, as(admin, 'admin'), stranger, { role: 'guest' }, 'members.update').catch((err: unknown) => err))).toStrictEqual(NO_SUCH_USER);
      expect(refusalOf(await removeMember(runtime, as(admin, 'admin'), stranger, 'members.delete').catch((err: unknown) => err))).toStrictEqual(NO_SUCH_USER);
    });
  });

  describe('what a change ends', () => {
    // the member's role, patch → ended here (and only here), or nothing
    const changes: Array<[string, Role, MemberPatch, 'ended' | 'nothing', [string, number | null]]> = [
      ['a demotion', 'bot', { role: 'agent' }, 'ended', ['agent', null]],
      ['a demotion by two steps', 'bot', { role: 'guest' }, 'ended', ['guest', null]],
      ['a disabling', 'agent', { status: 'disabled' }, 'ended', ['agent', NOW]],
      ['a promotion', 'agent', { role: 'bot' }, 'nothing', ['bot', null]],
      ['the same role', 'agent', { role: 'agent' }, 'nothing', ['agent', null]],
      ['enabling an enabled member', 'agent', { status: 'active' }, 'nothing', ['agent', null]],
      ['a group change', 'agent', { group_ids: [] }, 'nothing', ['agent', null]],
    ];
    it.each(changes)('%s', async (_name, role, patch, expected, [roleAfter, disabledAt]) => {
      const admin = await member('admin');
      const other = await member(role, { alsoIn: 'admin' });
      const made = await credentials(other);
      await changeMember(runtime, as(admin, 'admin'), other, patch, 'members.update');
      expect(await ended(other, made)).toStrictEqual(expected === 'ended' ? everythingHereEnded : nothingEnded);
      expect((await stateOf(other))!.slice(1, 3)).toStrictEqual([roleAfter, disabledAt]);
    });

    it('a key expiring within the minute is revoked for a minute', async () => {
      const admin = await member('admin');
      const other = await member('agent');
      const key = await insertApiKey(runtime.db.knex, { organizationId: org, userId: other, name: 'short', scopes: ['agent'], displayPrefix: 'ghk_x', secretHash: `hash-${++serial}`, expiresAt: new Date(NOW + 30_000) });
      await changeMember(runtime, as(admin, 'admin'), other, { status: 'disabled' }, 'members.update');
      const row = (await runtime.db.knex('revocations').where({ kind: 'api_key', subject: key.id }).first('expires_at')) as { expires_at: Date };
      expect(row.expires_at.getTime()).toBe(NOW + 60_000);
    });

    it('disabling a member disabled before keeps the first date and ends nothing more', async () => {
      const admin = await member('admin');
      const other = await member('agent', { disabled: true });
      const made = await credentials(other);
      await changeMember(runtime, as(admin, 'admin'), other, { status: 'disabled' }, 'members.update');
      expect(await stateOf(other)).toStrictEqual(['Old Name', 'agent', NOW - 86_400_000, []]);
      expect(await ended(other, made)).toStrictEqual(nothingEnded);
      await changeMember(runtime, as(admin, 'admin'), other, { status: 'active' }, 'members.update');
      expect(await stateOf(other)).toStrictEqual(['Old Name', 'agent', null, []]);
    });

    it('removing a member ends the same, and the user goes when it belongs nowhere else', async () => {
      const admin = await member('admin');
      const stays = await member('agent', { alsoIn: 'guest' });
      const made = await credentials(stays);
      await removeMember(runtime, as(admin, 'admin'), stays, 'members.delete');
      expect(await stateOf(stays)).toBeNull();
      expect(await ended(stays, made)).toStrictEqual(everythingHereEnded);
      expect(await runtime.db.knex('users').where({ id: stays }).first('id')).toStrictEqual({ id: stays });

      const goes = await member('agent');
      await removeMember(runtime, as(admin, 'admin'), goes, 'members.delete');
      expect(await runtime.db.knex('users').where({ id: goes }).first('id')).toBeUndefined();
      const audit = (await runtime.db.knex('audit_events').where({ organization_id: org, action: 'members.delete' }).orderBy('resource_id').select('resource_type', 'resource_id', 'actor_id')) as Array<Record<string, string>>;
      expect(audit).toStrictEqual([goes, stays].sort().map((id) => ({ resource_type: 'user', resource_id: id, actor_id: admin })));
    });
  });

  describe('the last active admin', () => {
    // the admin changing itself, with what company → allowed, or refused as the last admin
    const cases: Array<[string, MemberPatch | 'remove', 'with a second active admin' | 'with a second admin, disabled' | 'alone', boolean]> = [
      ['demoted to bot', { role: 'bot' }, 'alone', false],
      ['disabled', { status: 'disabled' }, 'alone', false],
      ['removed', 'remove', 'alone', false],
      ['demoted to bot', { role: 'bot' }, 'with a second admin, disabled', false],
      ['removed', 'remove', 'with a second admin, disabled', false],
      ['demoted to bot', { role: 'bot' }, 'with a second active admin', true],
      ['disabled', { status: 'disabled' }, 'with a second active admin', true],
      ['removed', 'remove', 'with a second active admin', true],
      ['renamed', { name: 'Still Admin' }, 'alone', true],
      ['given the admin role again', { role: 'admin' }, 'alone', true],
      ['enabled while active', { status: 'active' }, 'alone', true],
    ];
    it.each(cases)('%s, %s: allowed %s', async (_name, change, company, allowed) => {
      const admin = await member('admin');
      if (company !== 'alone') await member('admin', { disabled: company === 'with a second admin, disabled' });
      const run = change === 'remove'
        ? removeMember(runtime, as(admin, 'admin'), admin, 'members.delete').then(() => 'done')
        : changeMember(runtime, as(admin, 'admin'), admin, change, 'users.updateMe').then(() => 'done');
      expect(await run.catch((err: unknown) => refusalOf(err))).toStrictEqual(allowed ? 'done' : LAST_ADMIN);
      if (!allowed) expect(await stateOf(admin)).toStrictEqual(['Old Name', 'admin', null, []]);
    });
  });
});
