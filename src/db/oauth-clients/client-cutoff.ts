import type { Knex } from 'knex';
import type { EventBus } from '../../shared/bus.js';
import type { Clock } from '../../shared/clock.js';
import { revocationLifetimeMs, revoke, type TokenLifetimes } from '../revocations.js';

/** What stopping a client's tokens needs: the bus every gateway listens on, a clock, token lifetimes. */
export interface ClientCutoffDeps {
  bus: EventBus;
  clock: Clock;
  config: TokenLifetimes;
}

const lifetimeMs = revocationLifetimeMs;

/**
 * A deleted client (issue 17, finding 5): every token issued to it stops at every gateway and in
 * introspection (`client` cut-off), client-credentials tokens included, which carry no grant.
 * Client ids are never reused, so the cut-off can reach to the end of its own life: a token a
 * request in flight mints after the delete is refused too.
 */
export async function cutOffDeletedClient(knex: Knex, deps: ClientCutoffDeps, clientId: string): Promise<void> {
  const expiresAt = deps.clock.now() + lifetimeMs(deps.config);
  await revoke({ knex, bus: deps.bus }, { kind: 'client', subject: clientId, notBefore: expiresAt, expiresAt });
}

/**
 * A rotated secret: every token issued before now stops, and tokens of the new secret work. A
 * JWT's `iat` has whole seconds, so the cut-off is the next whole second, and this resolves only
 * once it has come: the new secret is handed out after that, so none of its tokens can carry an
 * `iat` before the cut-off, and no token of the old secret (gone before now) can carry one after.
 */
export async function cutOffRotatedClient(knex: Knex, deps: ClientCutoffDeps, clientId: string): Promise<void> {
  const notBefore = Math.floor(deps.clock.now() / 1000) * 1000 + 1000;
  await revoke({ knex, bus: deps.bus }, { kind: 'client', subject: clientId, notBefore, expiresAt: notBefore + lifetimeMs(deps.config) });
  const wait = notBefore - deps.clock.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
