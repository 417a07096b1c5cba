import { importJWK, type CryptoKey, type JWK, type JWSHeaderParameters } from 'jose';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/**
 * The auth server's signing keys (`/oauth2/jwks`), fetched from its internal address and kept in
 * memory. An unknown `kid` triggers at most one refetch per cooldown (a flood of forged kids
 * cannot turn the gateway into a fetch amplifier); a set older than max-age is refreshed in the
 * background; if the auth server is unreachable the last good set is served (stale beats down).
 * Until a first set has loaded, no token can be verified: every request waits for a fetch (one
 * at a time, shared), whatever the cooldown, and without a set the answer is 503
 * `service_unavailable`, never a 401 that would tell a client its valid token is bad.
 */
export interface JwksCacheOptions {
  url: string;
  algorithms: readonly string[];
  cooldownMs: number;
  maxAgeMs: number;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  onRefresh?: (result: 'ok' | 'failed') => void;
}

export interface JwksCache {
  /** The verification key for a token's protected header, or undefined when none matches; throws 503 while no set has ever loaded. */
  keyFor(header: JWSHeaderParameters): Promise<CryptoKey | undefined>;
  /** Fetches now (start-up warm-up); never throws. */
  refresh(): Promise<void>;
}

interface Entry {
  kid: string | undefined;
  alg: string;
  key: CryptoKey;
}

export function createJwksCache(options: JwksCacheOptions): JwksCache {
  let entries: Entry[] = [];
  let fetchedAt = -Infinity;
  let lastAttempt = -Infinity;
  let inflight: Promise<void> | undefined;

  async function fetchKeys(): Promise<void> {
    lastAttempt = options.clock.now();
    try {
      const res = await fetch(options.url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error' });
      if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('JWKS has no keys array');
      const next: Entry[] = [];
      for (const jwk of body.keys as JWK[]) {
        next.push(...(await importEntries(jwk, options.algorithms)));
      }
      entries = next;
      fetchedAt = options.clock.now();
      options.onRefresh?.('ok');
    } catch (err) {
      options.onRefresh?.('failed');
      options.logger.warn({ err, url: options.url, keys_kept: entries.length }, 'JWKS fetch failed; keeping the last good set');
    }
  }

  function refresh(): Promise<void> {
    inflight ??= fetchKeys().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  function find(header: JWSHeaderParameters): Entry | undefined {
    return entries.find((e) => e.alg === header.alg && (header.kid === undefined || e.kid === header.kid));
  }

  return {
    refresh,
    async keyFor(header) {
      const now = options.clock.now();
      if (fetchedAt === -Infinity) {
        // No set yet (the start-up fetch may have failed, or timed out on a busy machine).
        await refresh();
        if (fetchedAt === -Infinity) throw keysUnavailable();
      } else if (now - fetchedAt > options.maxAgeMs && now - lastAttempt > options.cooldownMs) {
        // Later refreshes run in the background behind the old set.
        void refresh();
      }
      const found = find(header);
      if (found) return found.key;
      if (options.clock.now() - lastAttempt < options.cooldownMs) {
        if (inflight) await inflight;
        return find(header)?.key;
      }
      await refresh();
      return find(header)?.key;
    },
  };
}

async function importEntries(jwk: JWK, algorithms: readonly string[]): Promise<Entry[]> {
  if (jwk.use !== undefined && jwk.use !== 'sig') return [];
  // Private members in a published set are a misconfiguration; never import them.
  if ('d' in jwk || jwk.kty === 'oct') return [];
  const candidates = (jwk.alg !== undefined ? [jwk.alg] : defaultAlgs(jwk, algorithms)).filter((alg) => algorithms.includes(alg));
  const out: Entry[] = [];
  for (const alg of candidates) {
    try {
      const key = await importJWK({ ...jwk, alg }, alg);
      if (!(key instanceof Uint8Array)) out.push({ kid: jwk.kid, alg, key });
    } catch {
      // A key this runtime cannot import is skipped; tokens signed with it fail as unknown keys.
    }
  }
  return out;
}

function defaultAlgs(jwk: JWK, algorithms: readonly string[]): string[] {
  if (jwk.kty === 'EC') return [{ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? ''] ?? ''];
  if (jwk.kty === 'OKP') return ['EdDSA'];
  // RSA keys without `alg` serve whichever pinned RSA algorithm the token names.
  if (jwk.kty === 'RSA') return algorithms.filter((alg) => /^(RS|PS)\d+$/.test(alg));
  return [];
}

function keysUnavailable(): AppError {
  return new AppError('service_unavailable', 'The gateway could not load the keys that sign access tokens; try again shortly.', {
    headers: { 'retry-after': '1' },
  });
}
