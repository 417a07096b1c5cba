import type { Knex } from 'knex';
import { ConfigError } from '../shared/config/index.js';
import type { Logger } from '../shared/logger.js';
import { secretFingerprint, type ManagedSecrets } from '../shared/secrets.js';
import { hasInstallationSecretTable, readInstallationSecret, recordInstallationSecret } from '../db/installation-secret.js';

/** Where a process stands with the installation's root secret (docs/operating.md, "The root secret"). */
export type SecretState = 'recorded' | 'matches' | 'rotation-prepared' | 'rotated' | 'not-migrated';

const day = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Compares the configured secrets with the fingerprints the database records and selects the
 * active one, or refuses (ConfigError) with the fix. The first process on a new database records
 * its secret's fingerprint.
 */
export async function settleInstallationSecret(
  knex: Knex,
  secrets: ManagedSecrets,
  options: { now: () => number; logger?: Logger; generated: boolean },
): Promise<SecretState> {
  if (!(await hasInstallationSecretTable(knex))) {
    options.logger?.warn('the database is not migrated yet: the root secret is checked on the next start (run `gatehouse migrate`)');
    return 'not-migrated';
  }
  const { secret, previous } = secrets.configured;
  const mine = secretFingerprint(secret);
  const theirs = previous ? secretFingerprint(previous) : undefined;
  const existing = await readInstallationSecret(knex);
  const row = existing ?? (await recordInstallationSecret(knex, mine));
  const until = row.previous_accepted_until?.getTime();
  if (row.fingerprint === mine) {
    if (previous && theirs !== row.previous_fingerprint) {
      throw new ConfigError('SECRET_PREVIOUS is not this installation\'s previous root secret: remove SECRET_PREVIOUS, or set it to the secret `gatehouse secret rotate` replaced.');
    }
    if (previous && until !== undefined && until > options.now()) {
      secrets.select(secret, { root: previous, until });
      return 'rotated';
    }
    if (previous) options.logger?.warn({ ended: row.previous_accepted_until }, 'SECRET_PREVIOUS is ignored: its grace period has ended (remove it)');
    secrets.select(secret);
    return existing ? 'matches' : 'recorded';
  }
  if (previous && row.fingerprint === theirs) {
    // Prepared for a rotation: everything new is still made with the installation's secret, so
    // processes not yet given the new one read it; both are accepted.
    secrets.select(previous, { root: secret });
    options.logger?.info('SECRET is new and SECRET_PREVIOUS is the installation\'s secret: run `gatehouse secret rotate` once every process has both');
    return 'rotation-prepared';
  }
  if (row.previous_fingerprint === mine) {
    throw new ConfigError(
      `SECRET is this installation's previous root secret, replaced on ${day(row.rotated_at ?? row.recorded_at)}: set SECRET to the new secret` +
      (until !== undefined && until > options.now() ? ` (and SECRET_PREVIOUS to this one, accepted until ${row.previous_accepted_until!.toISOString()}).` : '.'),
    );
  }
  throw new ConfigError(
    `SECRET does not match this installation's root secret (the database recorded its fingerprint on ${day(row.recorded_at)}). ` +
    'Every process of one installation must use the same secret: set SECRET to the value the other processes use' +
    (options.generated ? ' (this process read or generated DATA_DIR/secret.key: set SECRET, or point DATA_DIR at the folder holding the installation\'s secret.key).' : '.'),
  );
}
