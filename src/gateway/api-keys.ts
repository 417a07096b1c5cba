import type { Knex } from 'knex';
import { effectiveKeyRole, hashApiKey, type ApiKeyResolver, type ResolvedApiKey } from '../contract/api-key.js';
import { findApiKeyByHash, rehashApiKey, touchApiKey, type ApiKeyCredential } from '../db/api-keys.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface ApiKeyResolverOptions {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  /** HMAC key of stored key hashes (`secrets.derive('api-key-hash')`). */
  hashSecret: Uint8Array;
  /**
   * During a root-secret rotation: every accepted hash key, the active one first. A key found by
   * another one's hash is rehashed with the active one (a keyed hash cannot be re-keyed without
   * the key itself, which only its holder presents).
   */
  acceptedHashSecrets?: () => readonly Uint8Array[];
}

const touchIntervalMs = 60_000;

/**
 * Resolves an API key to the identity it acts as (issue 4), from the database, by keyed hash:
 * its creator's current role and standing cap it. Uncached: the gateway's one cache
 * (api-key-cache.ts) decides when to ask. Records the key's last use, at most once a minute.
 */
export function createApiKeyResolver(options: ApiKeyResolverOptions): ApiKeyResolver {
  const { knex, clock, logger, hashSecret } = options;
  const lastTouched = new Map<string, number>();

  function touch(credential: ApiKeyCredential, now: number): void {
    const last = lastTouched.get(credential.id) ?? credential.last_used_at?.getTime() ?? 0;
    if (now - last < touchIntervalMs) return;
    lastTouched.set(credential.id, now);
    if (lastTouched.size > 100_000) lastTouched.clear();
    touchApiKey(knex, credential.id, new Date(now)).catch((err: unknown) => logger.warn({ err, key_id: credential.id }, 'could not record API-key use'));
  }

  return {
    async resolve(key) {
      const secrets = options.acceptedHashSecrets?.() ?? [hashSecret];
      const hashes = secrets.map((secret) => hashApiKey(key, secret));
      const credential = await findApiKeyByHash(knex, hashes);
      if (!credential) return undefined;
      if (credential.secret_hash !== hashes[0]) {
        rehashApiKey(knex, credential.id, credential.secret_hash, hashes[0]!).catch((err: unknown) => logger.warn({ err, key_id: credential.id }, 'could not rehash an API key'));
      }
      const now = clock.now();
      const resolved = toResolved(credential, now);
      if (resolved) touch(credential, now);
      return resolved;
    },
  };
}

function toResolved(credential: ApiKeyCredential, now: number): ResolvedApiKey | undefined {
  if (credential.revoked_at) return undefined;
  const expiresAt = credential.expires_at?.getTime();
  if (expiresAt !== undefined && expiresAt <= now) return undefined;
  if (credential.creator_disabled_at) return undefined;
  const role = effectiveKeyRole(credential.scopes, credential.creator_role ?? undefined);
  if (!role) return undefined;
  return {
    identity: { sub: credential.user_id, org: credential.organization_id, role, scopes: [role], kind: 'api_key', key_id: credential.id },
    expiresAt,
  };
}
