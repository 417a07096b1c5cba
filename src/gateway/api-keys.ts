import type { Knex } from 'knex';
import { effectiveKeyRole, hashApiKey, type ApiKeyResolver } from '../contract/api-key.js';
import type { Identity } from '../contract/identity.js';
import { findApiKeyByHash, touchApiKey, type ApiKeyCredential } from '../db/api-keys.js';
import { REVOCATION_CHANNEL, type Revocation } from '../db/revocations.js';
import type { EventBus } from '../shared/bus.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { Lru } from './lru.js';

export interface ApiKeyResolverOptions {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** HMAC key of stored key hashes (`secrets.derive('api-key-hash')`). */
  hashSecret: Uint8Array;
  /** How long a lookup is reused; revocation events drop entries sooner. */
  cacheTtlMs?: number;
  cacheSize?: number;
}

interface CacheEntry {
  credential: ApiKeyCredential | undefined;
  fetchedAt: number;
}

const touchIntervalMs = 60_000;

/**
 * Resolves an API key to the identity it acts as (issue 4). Lookups by keyed hash are cached
 * briefly (unknown keys too, so a flood of well-formed guesses cannot hammer the database), and
 * dropped on revocation events for the key or its creator, so a revoked key stops at once and a
 * demoted creator's keys shrink with the next lookup.
 *
 * A lookup older than the TTL is refreshed in the background while the requests of that moment
 * still answer from it (one refresh per key at a time); only one older than twice the TTL makes
 * a request wait for the database. A busy key so never stalls every connection on a query each
 * TTL, and nothing is served more than twice the TTL old: with the database away, the key's
 * requests get 503 once its lookup is that old.
 */
export function createApiKeyResolver(options: ApiKeyResolverOptions): ApiKeyResolver & { close(): void } {
  const { knex, bus, clock, logger, hashSecret } = options;
  const ttl = options.cacheTtlMs ?? 5_000;
  const cache = new Lru<string, CacheEntry>(options.cacheSize ?? 10_000);
  const hashesByKeyId = new Map<string, string>();
  const hashesByUser = new Map<string, Set<string>>();
  const lastTouched = new Map<string, number>();
  const refreshing = new Map<string, Promise<CacheEntry>>();
  // A revocation starts a new generation: a lookup begun before it may have read the old row and
  // is not kept.
  let generation = 0;

  function remember(hash: string, entry: CacheEntry): void {
    cache.set(hash, entry);
    const credential = entry.credential;
    if (!credential) return;
    hashesByKeyId.set(credential.id, hash);
    let set = hashesByUser.get(credential.user_id);
    if (!set) hashesByUser.set(credential.user_id, (set = new Set()));
    set.add(hash);
  }

  function forget(keyId: string): void {
    generation += 1;
    const hash = hashesByKeyId.get(keyId);
    if (hash) cache.delete(hash);
    hashesByKeyId.delete(keyId);
  }

  function forgetUser(userId: string): void {
    generation += 1;
    for (const hash of hashesByUser.get(userId) ?? []) cache.delete(hash);
    hashesByUser.delete(userId);
  }

  /** One database lookup per key at a time, shared by whoever asks meanwhile. */
  function refresh(hash: string): Promise<CacheEntry> {
    let pending = refreshing.get(hash);
    if (pending) return pending;
    const started = generation;
    pending = findApiKeyByHash(knex, hash)
      .then((credential) => {
        const entry = { credential, fetchedAt: clock.now() };
        if (started === generation) remember(hash, entry);
        return entry;
      })
      .finally(() => refreshing.delete(hash));
    refreshing.set(hash, pending);
    return pending;
  }

  const unsubscribe = bus.subscribe(REVOCATION_CHANNEL, (message) => {
    const revocation = message as Revocation;
    if (revocation?.kind === 'api_key') forget(revocation.subject);
    else if (revocation?.kind === 'user') forgetUser(revocation.subject);
  });
  // Events may have been missed while the bus was away: start from the database again.
  const offReconnect = bus.onReconnect(() => {
    for (const keyId of [...hashesByKeyId.keys()]) forget(keyId);
  });

  function touch(credential: ApiKeyCredential, now: number): void {
    const last = lastTouched.get(credential.id) ?? credential.last_used_at?.getTime() ?? 0;
    if (now - last < touchIntervalMs) return;
    lastTouched.set(credential.id, now);
    if (lastTouched.size > 100_000) lastTouched.clear();
    touchApiKey(knex, credential.id, new Date(now)).catch((err: unknown) => logger.warn({ err, key_id: credential.id }, 'could not record API-key use'));
  }

  function toIdentity(credential: ApiKeyCredential, now: number): Identity | undefined {
    if (credential.revoked_at) return undefined;
    if (credential.expires_at && credential.expires_at.getTime() <= now) return undefined;
    if (credential.creator_disabled_at) return undefined;
    const role = effectiveKeyRole(credential.scopes, credential.creator_role ?? undefined);
    if (!role) return undefined;
    return { sub: credential.user_id, org: credential.organization_id, role, scopes: [role], kind: 'api_key', key_id: credential.id };
  }

  return {
    async resolve(key) {
      const now = clock.now();
      const hash = hashApiKey(key, hashSecret);
      let entry = cache.get(hash);
      if (!entry || now - entry.fetchedAt >= 2 * ttl) {
        entry = await refresh(hash);
      } else if (now - entry.fetchedAt >= ttl) {
        refresh(hash).catch((err: unknown) => logger.warn({ err }, 'could not refresh an API-key lookup; serving the previous one'));
      }
      if (!entry.credential) return undefined;
      const identity = toIdentity(entry.credential, now);
      if (identity) touch(entry.credential, now);
      return identity;
    },
    forget,
    close() {
      unsubscribe();
      offReconnect();
    },
  };
}
