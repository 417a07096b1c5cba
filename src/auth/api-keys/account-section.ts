import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Knex } from 'knex';
import { renderApiKeys, type ApiKeysView } from '../../../views/index.js';
import { ROLES, roleAllows } from '../../contract/roles.js';
import { findApiKey, issueApiKey, markApiKeyRevoked } from '../../db/api-keys.js';
import { revoke } from '../../db/revocations.js';
import type { EventBus } from '../../shared/bus.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { listMemberships, type UserRow } from '../../db/accounts.js';
import type { AccountSectionSource } from '../account/router.js';
import type { Csrf } from '../http/csrf.js';
import { readForm, single } from '../http/form-body.js';
import { decryptString, encryptString } from '../keys/encryption.js';
import { listKeysOfUser } from './queries.js';

export interface ApiKeysAccountDeps {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  csrf: Csrf;
  hashSecret: Buffer;
  /** Seals the one-time display of a new key in a short-lived cookie. */
  flashKey: Buffer;
  maxLifetimeDays: number;
  secureCookies: boolean;
  /** The signed-in user and their session uid, or undefined. */
  signedIn(ctx: Context): Promise<{ user: UserRow; sessionUid: string } | undefined>;
}

const flashCookie = 'gatehouse.new_api_key';
const flashContext = (sessionUid: string) => `api-key-flash:${sessionUid}`;

/**
 * "REST API Keys" on the account page (seed 000: Profile → REST API Keys → Create Key). A
 * created key is carried to the page after the 303 in an encrypted, session-bound, one-shot
 * cookie, so it is shown once and a reload does not create another.
 */
export function apiKeysAccount(deps: ApiKeysAccountDeps): { section: AccountSectionSource; routes: Middleware } {
  const section: AccountSectionSource = async (ctx, viewer) => {
    const session = await deps.signedIn(ctx);
    let created: ApiKeysView['created'];
    const sealed = ctx.cookies.get(flashCookie);
    if (sealed && session) {
      ctx.cookies.set(flashCookie, null, { path: '/account' });
      try {
        created = JSON.parse(decryptString(deps.flashKey, sealed, flashContext(session.sessionUid))) as { name: string; key: string };
      } catch {
        created = undefined; // another session's, or tampered with: show nothing
      }
    }
    const memberships = await listMemberships(deps.knex, viewer.user.id);
    const names = new Map(memberships.map((m) => [m.organization_id, m.organization_name]));
    const keys = await listKeysOfUser(deps.knex, viewer.user.id);
    const error = typeof ctx.query.api_key_error === 'string' ? ctx.query.api_key_error.slice(0, 200) : undefined;
    return {
      id: 'api-keys',
      title: 'REST API Keys',
      body: renderApiKeys({
        keys: keys.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.display_prefix,
          scopes: k.scopes,
          organizationName: names.get(k.organization_id) ?? '—',
          expiresAt: k.expires_at ? k.expires_at.toISOString().slice(0, 10) : 'never',
          lastUsedAt: k.last_used_at ? k.last_used_at.toISOString().slice(0, 16).replace('T', ' ') : 'never',
        })),
        organizations: memberships.map((m) => ({ id: m.organization_id, name: m.organization_name, roles: ROLES.filter((r) => roleAllows(m.role, r)) })),
        csrfToken: viewer.csrfToken,
        created,
        error,
        maxLifetimeDays: deps.maxLifetimeDays,
      }),
    };
  };

  async function requireSession(ctx: Context) {
    const session = await deps.signedIn(ctx);
    if (!session) throw new AppError('invalid_auth', 'Sign in again to manage your API keys.');
    const form = await readForm(ctx);
    deps.csrf.verify('account', session.sessionUid, single(form, 'csrf'));
    return { session, form };
  }

  const router = new Router();
  router.post('/account/api-keys', async (ctx) => {
    const { session, form } = await requireSession(ctx);
    const name = (single(form, 'name') ?? '').trim();
    const organization = single(form, 'organization') ?? '';
    const scope = single(form, 'scope') ?? '';
    const days = Number(single(form, 'expires_days'));
    const back = (error: string) => {
      ctx.status = 303;
      ctx.redirect(`/account?api_key_error=${encodeURIComponent(error)}#api-keys`);
    };
    if (name === '' || name.length > 100) return back('Give the key a name of at most 100 characters.');
    if (!Number.isInteger(days) || days < 1 || days > deps.maxLifetimeDays) return back(`Choose an expiry of at most ${deps.maxLifetimeDays} days.`);
    const membership = (await listMemberships(deps.knex, session.user.id)).find((m) => m.organization_id === organization);
    if (!membership) return back('Choose one of your organizations.');
    const now = deps.clock.now();
    try {
      const { key } = await issueApiKey(
        deps.knex,
        { organizationId: membership.organization_id, userId: session.user.id, creatorRole: membership.role, name, scopes: [scope], expiresAt: new Date(now + days * 86_400_000) },
        { hashSecret: deps.hashSecret, maxLifetimeDays: deps.maxLifetimeDays, now },
      );
      ctx.cookies.set(flashCookie, encryptString(deps.flashKey, JSON.stringify({ name, key }), flashContext(session.sessionUid)), {
        path: '/account', httpOnly: true, sameSite: 'strict', secure: deps.secureCookies, maxAge: 60_000, signed: false,
      });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'validation_failed' || err.code === 'insufficient_scope')) return back(err.message);
      throw err;
    }
    ctx.status = 303;
    ctx.redirect('/account#api-keys');
  });

  router.post('/account/api-keys/:id/revoke', async (ctx) => {
    const { session } = await requireSession(ctx);
    const id = ctx.params.id!;
    const memberships = await listMemberships(deps.knex, session.user.id);
    const now = deps.clock.now();
    for (const m of memberships) {
      const key = /^[0-9a-f-]{36}$/i.test(id) ? await findApiKey(deps.knex, m.organization_id, id) : undefined;
      if (!key || key.user_id !== session.user.id) continue;
      await markApiKeyRevoked(deps.knex, m.organization_id, id, new Date(now));
      const until = Math.max(key.expires_at?.getTime() ?? now + deps.maxLifetimeDays * 86_400_000, now + 60_000);
      await revoke({ knex: deps.knex, bus: deps.bus }, { kind: 'api_key', subject: id, expiresAt: until });
      ctx.status = 303;
      ctx.redirect('/account#api-keys');
      return;
    }
    throw new AppError('not_found', 'No such API key.');
  });

  return { section, routes: router.routes() as Middleware };
}
