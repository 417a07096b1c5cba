import type { Knex } from 'knex';
import { signingKeyContext } from '../auth/keys/signing-keys.js';
import { readInstallationSecret, rotateInstallationSecret } from '../db/installation-secret.js';
import { clientSecretKey } from '../db/oauth-clients/client-service.js';
import { decryptString, encryptString } from '../db/oauth-clients/encryption.js';
import { webhookSecretContext } from '../domain/webhook-secrets.js';
import { deriveKey, secretFingerprint, type ManagedSecrets } from '../shared/secrets.js';
import { UsageError } from './command.js';
import { settleInstallationSecret } from './installation-secret.js';

/** Every column sealed at rest under a key derived from the root secret. */
const SEALED = [
  { name: 'signing keys', table: 'signing_keys', id: 'kid', column: 'private_jwk_encrypted', key: (root: Buffer) => deriveKey(root, 'signing-key-encryption'), context: signingKeyContext },
  { name: 'client secrets', table: 'oauth_clients', id: 'id', column: 'secret_encrypted', key: (root: Buffer) => clientSecretKey(deriveKey(root, 'signing-key-encryption')), context: (id: string) => `client-secret:${id}` },
  { name: 'webhook secrets', table: 'webhook_endpoints', id: 'id', column: 'secret', key: (root: Buffer) => deriveKey(root, 'webhook-secret-encryption'), context: webhookSecretContext },
  { name: 'webhook secrets', table: 'webhook_endpoints', id: 'id', column: 'previous_secret', key: (root: Buffer) => deriveKey(root, 'webhook-secret-encryption'), context: webhookSecretContext },
] as const;

export interface RotationResult {
  /** Values re-sealed under the new secret, by kind. */
  resealed: Record<string, number>;
  /** Until when the previous secret is accepted. */
  previousAcceptedUntil: Date;
  /** False when the installation had already been rotated to SECRET (a second run re-seals stragglers). */
  first: boolean;
}

const opens = (key: Buffer, sealed: string, context: string) => {
  try {
    decryptString(key, sealed, context);
    return true;
  } catch {
    return false;
  }
};

async function reseal(trx: Knex.Transaction, secret: Buffer, previous: Buffer): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const target of SEALED) {
    const [next, old] = [target.key(secret), target.key(previous)];
    const rows: Array<{ id: string; sealed: string }> = await trx(target.table).whereNotNull(target.column).select({ id: target.id, sealed: target.column }).forUpdate();
    counts[target.name] ??= 0;
    for (const row of rows) {
      const context = target.context(row.id);
      if (opens(next, row.sealed, context)) continue;
      // Throws when neither secret opens it: nothing changes, and the operator hears which row.
      let plain: string;
      try {
        plain = decryptString(old, row.sealed, context);
      } catch {
        throw new Error(`${target.table}.${target.column} of ${row.id} opens with neither SECRET nor SECRET_PREVIOUS: nothing was changed`);
      }
      await trx(target.table).where(target.id, row.id).update({ [target.column]: encryptString(next, plain, context) });
      counts[target.name] = (counts[target.name] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * `gatehouse secret rotate`: with SECRET the new root secret and SECRET_PREVIOUS the
 * installation's, re-seals everything sealed at rest under the new one and records it as the
 * installation's secret, the previous one accepted until `now + graceMs`. Run again (same
 * settings), it re-seals what processes still running with the previous secret wrote meanwhile.
 */
export async function rotateRootSecret(knex: Knex, secrets: ManagedSecrets, options: { now: () => number; graceMs: number }): Promise<RotationResult> {
  const { secret, previous } = secrets.configured;
  if (!previous) throw new UsageError('set SECRET to the new root secret and SECRET_PREVIOUS to the current one (docs/operating.md, "Rotating the root secret")');
  if (secret.equals(previous)) throw new UsageError('SECRET and SECRET_PREVIOUS are the same secret');
  const state = await settleInstallationSecret(knex, secrets, { now: options.now, generated: false });
  if (state !== 'rotation-prepared' && state !== 'rotated') {
    throw new UsageError('SECRET_PREVIOUS must be the installation\'s current root secret, or the one a rotation within its grace period replaced');
  }
  return knex.transaction(async (trx) => {
    const resealed = await reseal(trx, secret, previous);
    if (state === 'rotation-prepared') {
      const until = new Date(options.now() + options.graceMs);
      await rotateInstallationSecret(trx, { from: secretFingerprint(previous), fingerprint: secretFingerprint(secret), until, now: new Date(options.now()) });
      return { resealed, previousAcceptedUntil: until, first: true };
    }
    const row = await readInstallationSecret(trx);
    return { resealed, previousAcceptedUntil: row!.previous_accepted_until!, first: false };
  });
}
