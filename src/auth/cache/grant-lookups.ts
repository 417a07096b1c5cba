import { createLocalJWKSet, type JWK } from 'jose';
import type { Knex } from 'knex';
import type { Role } from '../../contract/roles.js';
import { findActiveMembershipRole } from '../../db/accounts.js';
import { CLIENTS_CHANNEL } from '../../db/oauth-clients/client-events.js';
import { findClientRow, type ClientRow } from '../../db/oauth-clients/client-rows.js';
import { REVOCATION_CHANNEL, type Revocation } from '../../db/revocations.js';
import type { EventBus } from '../../shared/bus.js';
import type { Clock } from '../../shared/clock.js';
import { listLiveKeys } from '../keys/signing-key-rows.js';
import { rememberedRole } from '../storage/request-grants.js';
import { SIGNING_KEYS_CHANNEL } from '../keys/signing-keys.js';
import { createFreshCache } from './fresh-cache.js';

export interface ClientWithSecret {
  row: ClientRow;
  /** The clear secret of a confidential client, unsealed once per load. */
  secret: string | undefined;
}

export interface GrantLookupDeps {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  /** AUTH_CACHE_MAX_AGE_MS: how stale a read may be when the bus lost the change. */
  maxAgeMs: number;
  unseal(row: ClientRow): Promise<string | undefined>;
}

const MAX_ENTRIES = 10_000;

/** What shaping an access token reads (provider/access-token-claims.ts). */
export interface GrantReads {
  clientRow(id: string): Promise<ClientRow | undefined>;
  membershipRole(organizationId: string, userId: string): Promise<Role | undefined>;
}

/** The same reads straight from the database, uncached. */
export const directGrantReads = (knex: Knex): GrantReads => ({
  clientRow: (id) => findClientRow(knex, id),
  membershipRole: (organizationId, userId) => membershipRoleNow(knex, organizationId, userId),
});

/** The role as this request read it with its code or refresh token, else from the database. */
async function membershipRoleNow(knex: Knex, organizationId: string, userId: string): Promise<Role | undefined> {
  const remembered = rememberedRole(organizationId, userId);
  return remembered ? remembered.role ?? undefined : findActiveMembershipRole(knex, organizationId, userId);
}

/**
 * What every grant reads and rarely changes: the client with its unsealed secret, and the public
 * signing keys. Each is kept at most AUTH_CACHE_MAX_AGE_MS and dropped at once when a change is
 * announced on the bus, from any process: a client updated, deleted or given a new secret
 * (CLIENTS_CHANNEL, and the client cut-off on REVOCATION_CHANNEL), a key rotated. Users,
 * memberships and revocations are not cached: a user disabled or removed, even by a hand-made
 * change in the database, is seen by the very next grant.
 */
export function createGrantLookups(deps: GrantLookupDeps) {
  const { knex, clock } = deps;
  const options = { clock, maxAgeMs: deps.maxAgeMs, maxEntries: MAX_ENTRIES };
  const clients = createFreshCache<string, ClientWithSecret | undefined>(options);
  const keys = createFreshCache<'live', ReturnType<typeof createLocalJWKSet>>(options);
  const offs = [
    deps.bus.subscribe(CLIENTS_CHANNEL, (message) => clients.delete((message as { id: string }).id)),
    deps.bus.subscribe(REVOCATION_CHANNEL, (message) => {
      const revocation = message as Revocation;
      if (revocation.kind === 'client') clients.delete(revocation.subject);
    }),
    deps.bus.subscribe(SIGNING_KEYS_CHANNEL, () => keys.clear()),
    // Announcements may have been missed while the bus was away.
    deps.bus.onReconnect(() => {
      clients.clear();
      keys.clear();
    }),
  ];
  const client = (id: string) => clients.get(id, async () => {
    const row = await findClientRow(knex, id);
    return row ? { row, secret: await deps.unseal(row) } : undefined;
  });

  return {
    client,
    clientRow: async (id: string) => (await client(id))?.row,
    /** Read fresh on every grant (see above), with the code or refresh token when there is one. */
    membershipRole: (organizationId: string, userId: string) => membershipRoleNow(knex, organizationId, userId),
    /** The verification key set of the live signing keys (their public halves). */
    liveKeys: () => keys.get('live', async () => createLocalJWKSet({ keys: (await listLiveKeys(knex, new Date(clock.now()))).map((k) => k.public_jwk as JWK) })),
    close() {
      for (const off of offs) off();
    },
  };
}

export type GrantLookups = ReturnType<typeof createGrantLookups>;
