import type { ApiKeyResolver, ResolvedApiKey } from '../contract/api-key.js';
import type { Identity } from '../contract/identity.js';
import { parseMembershipSubject, type Revocation } from '../db/revocations.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/digest.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { invalidToken } from './auth-error.js';
import type { Caller } from './caller.js';

/**
 * The gateway's one cache of API-key lookups (issue 4; issue 9: it replaces two stacked layers).
 * A lookup is reused for `ttlMs` (API_KEY_CACHE_TTL_MS); one older than that is refreshed in the
 * background while the requests of that moment still answer from it, and only one twice that
 * old makes a request wait. A busy key so never stalls every connection on a query each TTL,
 * and nothing is served more than twice the TTL old: with the database away, a key's requests
 * get 503 once its lookup is that old. Unknown keys are cached too, so a flood of well-formed
 * guesses cannot hammer the database. A key's expiry is checked on every use, not per lookup.
 *
 * Concurrent lookups of one key are one lookup (single flight), and its answer is one Caller
 * object, kept across refreshes while the identity stays the same (the assertion signer and the
 * rate checks cache their work per Caller). Revocations reach the cache through the gateway's
 * one revocation listener (revocation-list.ts → `revoked`) and start a new generation: a lookup
 * begun before one is neither shared with later requests nor kept, since it may have read the
 * row as it was before. All times come from the injected clock.
 */
export interface ApiKeyCache {
  /** The hot path: the caller of a key looked up before and still usable, without a promise; else undefined. */
  peek(key: string): Caller | undefined;
  /** The caller of a well-formed key; rejects with 401 for an unknown, revoked or expired key, 503 when it cannot be looked up. */
  resolve(key: string): Promise<Caller>;
  /** Refuses a revoked key from now on; drops what a cut-off may have changed: a user's keys, a member's keys in one organization. */
  revoked(revocation: Revocation): void;
  /** Drops everything (revocation events may have been missed). */
  clear(): void;
  readonly size: number;
}

export interface ApiKeyCacheOptions {
  /** The source of truth (api-keys.ts: the database). */
  resolver: ApiKeyResolver;
  clock: Clock;
  logger: Logger;
  ttlMs: number;
  /** Most keys kept; the oldest lookup goes first. */
  maxEntries?: number;
}

interface Entry {
  /** undefined: the key is unknown, revoked or expired. */
  readonly caller: Caller | undefined;
  readonly expiresAt: number | undefined;
  readonly fetchedAt: number;
}

const unknownKey = () => invalidToken('api_key_unknown', 'The API key is unknown, revoked or expired.');

export function createApiKeyCache(options: ApiKeyCacheOptions): ApiKeyCache {
  const { resolver, clock, logger, ttlMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  // By SHA-256 of the key, so no key is kept in memory. Insertion order is age: a refresh
  // re-inserts, and the oldest lookup is evicted first.
  const entries = new Map<string, Entry>();
  const hashByKeyId = new Map<string, string>();
  const hashesByUser = new Map<string, Set<string>>();
  const inFlight = new Map<string, Promise<Entry>>();
  let generation = 0;

  function store(hash: string, entry: Entry): void {
    drop(hash);
    entries.set(hash, entry);
    const identity = entry.caller?.identity;
    if (identity?.key_id !== undefined) {
      hashByKeyId.set(identity.key_id, hash);
      let hashes = hashesByUser.get(identity.sub);
      if (!hashes) hashesByUser.set(identity.sub, (hashes = new Set()));
      hashes.add(hash);
    }
    if (entries.size > maxEntries) drop(entries.keys().next().value!);
  }

  function drop(hash: string): void {
    const identity = entries.get(hash)?.caller?.identity;
    if (!entries.delete(hash) || identity?.key_id === undefined) return;
    hashByKeyId.delete(identity.key_id);
    const hashes = hashesByUser.get(identity.sub);
    hashes?.delete(hash);
    if (hashes?.size === 0) hashesByUser.delete(identity.sub);
  }

  /** A new generation: lookups under way are answered but neither joined nor kept. */
  function nextGeneration(): void {
    generation += 1;
    inFlight.clear();
  }

  function lookup(key: string, hash: string): Promise<Entry> {
    const pending = inFlight.get(hash);
    if (pending) return pending;
    const started = generation;
    const promise = resolver.resolve(key).then(
      (resolved) => {
        const entry = toEntry(entries.get(hash), resolved, clock.now());
        if (started === generation) store(hash, entry);
        return entry;
      },
      (err: unknown) => {
        throw new AppError('service_unavailable', 'API keys cannot be checked right now; retry shortly.', { cause: err, headers: { 'retry-after': '1' } });
      },
    );
    inFlight.set(hash, promise);
    void promise.catch(() => undefined).finally(() => {
      if (inFlight.get(hash) === promise) inFlight.delete(hash);
    });
    return promise;
  }

  /** The entry still usable now (refreshed behind the request once it is past the TTL), or undefined. */
  function usable(key: string, hash: string, now: number): Entry | undefined {
    const entry = entries.get(hash);
    if (!entry) return undefined;
    const age = now - entry.fetchedAt;
    if (age >= 2 * ttlMs) return undefined;
    if (age >= ttlMs && !inFlight.has(hash)) {
      lookup(key, hash).catch((err: unknown) => logger.warn({ err }, 'could not refresh an API-key lookup; serving the previous one'));
    }
    return entry;
  }

  function callerOf(entry: Entry, now: number): Caller {
    if (entry.caller === undefined || (entry.expiresAt !== undefined && entry.expiresAt <= now)) throw unknownKey();
    return entry.caller;
  }

  function forgetUser(userId: string, organizationId?: string): void {
    for (const hash of [...(hashesByUser.get(userId) ?? [])]) {
      if (organizationId === undefined || entries.get(hash)?.caller?.identity.org === organizationId) drop(hash);
    }
  }

  return {
    peek(key) {
      const now = clock.now();
      const entry = usable(key, sha256(key), now);
      if (entry?.caller === undefined || (entry.expiresAt !== undefined && entry.expiresAt <= now)) return undefined;
      return entry.caller;
    },
    async resolve(key) {
      const hash = sha256(key);
      const entry = usable(key, hash, clock.now()) ?? (await lookup(key, hash));
      return callerOf(entry, clock.now());
    },
    revoked(revocation) {
      // Tokens, grants and OAuth clients are not API keys: nothing here depends on them.
      if (revocation.kind === 'api_key') {
        nextGeneration();
        // A revoked key stays revoked (ids are never reused): its entry becomes an unknown key's,
        // so its next request is refused from memory rather than after a database read.
        const hash = hashByKeyId.get(revocation.subject);
        if (hash !== undefined) store(hash, { caller: undefined, expiresAt: undefined, fetchedAt: clock.now() });
      } else if (revocation.kind === 'user') {
        nextGeneration();
        forgetUser(revocation.subject);
      } else if (revocation.kind === 'membership') {
        nextGeneration();
        const { organizationId, userId } = parseMembershipSubject(revocation.subject);
        forgetUser(userId, organizationId);
      }
    },
    clear() {
      nextGeneration();
      entries.clear();
      hashByKeyId.clear();
      hashesByUser.clear();
    },
    get size() {
      return entries.size;
    },
  };
}

/** The new entry; the previous Caller object is kept when the key still acts as the same identity. */
function toEntry(previous: Entry | undefined, resolved: ResolvedApiKey | undefined, now: number): Entry {
  if (!resolved) return { caller: undefined, expiresAt: undefined, fetchedAt: now };
  const kept = previous?.caller;
  const caller = kept && sameIdentity(kept.identity, resolved.identity) ? kept : { identity: resolved.identity };
  return { caller, expiresAt: resolved.expiresAt, fetchedAt: now };
}

function sameIdentity(a: Caller['identity'], b: Identity): boolean {
  return a.sub === b.sub && a.org === b.org && a.role === b.role && a.kind === b.kind && a.key_id === b.key_id
    && a.client_id === b.client_id && a.jti === b.jti && a.scopes.length === b.scopes.length && a.scopes.every((scope, i) => scope === b.scopes[i]);
}
