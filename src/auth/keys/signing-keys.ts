import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Knex } from 'knex';
import type { Config } from '../../shared/config/index.js';
import type { Secrets } from '../../shared/secrets.js';
import { decryptWithAny, encryptString } from './encryption.js';
import { currentGeneration, deleteRetiredKeys, insertGeneration, listLiveKeys, retireOlderGenerations } from './signing-key-rows.js';
import { SIGNING_ALGS } from '../../contract/signing.js';

/** Announced on the bus after a rotation, so running auth servers reload without waiting to poll. */
export const SIGNING_KEYS_CHANNEL = 'signing-keys';

export interface SigningKeyDeps {
  knex: Knex;
  secrets: Secrets;
  config: Config;
  now(): number;
}

/** The sealing context of a signing key's private JWK (secret rotation re-seals with it). */
export const signingKeyContext = (kid: string) => `signing-key:${kid}`;
const context = signingKeyContext;

async function generateGeneration(deps: SigningKeyDeps, generation: number) {
  const key = deps.secrets.derive('signing-key-encryption');
  return Promise.all(
    SIGNING_ALGS.map(async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
      const kid = `${alg.toLowerCase()}-${generation}-${randomUUID().slice(0, 8)}`;
      const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
      const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      return { kid, alg, generation, private_jwk_encrypted: encryptString(key, JSON.stringify(privateJwk), context(kid)), public_jwk: publicJwk as Record<string, unknown> };
    }),
  );
}

/**
 * A token signed just before a rotation must still verify until it expires: the old keys stay
 * published for the longest token lifetime, plus a minute of clock skew.
 */
function retirementDelayMs(config: Config): number {
  return (Math.max(config.ACCESS_TOKEN_TTL_SECONDS, config.ID_TOKEN_TTL_SECONDS, config.IMPLICIT_ACCESS_TOKEN_TTL_SECONDS) + 60) * 1000;
}

/** First start: create generation 1 unless some process already did. */
export async function ensureSigningKeys(deps: SigningKeyDeps): Promise<void> {
  if ((await currentGeneration(deps.knex)) > 0) return;
  await insertGeneration(deps.knex, await generateGeneration(deps, 1));
}

/** `gatehouse keys rotate`: a new current generation; the previous ones retire later. */
export async function rotateSigningKeys(deps: SigningKeyDeps): Promise<{ generation: number; kids: string[] }> {
  for (;;) {
    const generation = (await currentGeneration(deps.knex)) + 1;
    const rows = await generateGeneration(deps, generation);
    if (await insertGeneration(deps.knex, rows)) {
      await retireOlderGenerations(deps.knex, generation, new Date(deps.now() + retirementDelayMs(deps.config)));
      await deleteRetiredKeys(deps.knex, new Date(deps.now()));
      return { generation, kids: rows.map((r) => r.kid) };
    }
    // Someone rotated at the same moment: go one further, as the operator asked for a new key.
  }
}

export interface LoadedKeys {
  /** Private JWKs for the provider, current generation first (the provider signs with the first match). */
  privateJwks: JWK[];
  /** Identifies this set, so a reload happens only when it changed. */
  fingerprint: string;
}

export async function loadSigningKeys(deps: SigningKeyDeps): Promise<LoadedKeys> {
  const rows = await listLiveKeys(deps.knex, new Date(deps.now()));
  if (rows.length === 0) throw new Error('no signing keys: run the auth server once or `gatehouse keys rotate`');
  const keys = deps.secrets.accepted('signing-key-encryption');
  const privateJwks = rows.map((row) => JSON.parse(decryptWithAny(keys, row.private_jwk_encrypted, context(row.kid))) as JWK);
  return { privateJwks, fingerprint: rows.map((r) => r.kid).join(',') };
}
