import type { Knex } from 'knex';

/** The one row of `installation_secret`: fingerprints only, never a secret. */
export interface InstallationSecretRow {
  id: number;
  fingerprint: string;
  previous_fingerprint: string | null;
  previous_accepted_until: Date | null;
  recorded_at: Date;
  rotated_at: Date | null;
}

export async function readInstallationSecret(knex: Knex): Promise<InstallationSecretRow | undefined> {
  return knex<InstallationSecretRow>('installation_secret').where({ id: 1 }).first();
}

/** First initialisation: records `fingerprint` unless another process did first; answers the row that holds. */
export async function recordInstallationSecret(knex: Knex, fingerprint: string): Promise<InstallationSecretRow> {
  await knex('installation_secret').insert({ id: 1, fingerprint }).onConflict('id').ignore();
  return (await readInstallationSecret(knex))!;
}

/** The rotation's last step: `fingerprint` becomes the installation's; `previous` stays accepted until `until`. */
export async function rotateInstallationSecret(
  knex: Knex,
  change: { from: string; fingerprint: string; until: Date; now: Date },
): Promise<void> {
  await knex('installation_secret').where({ id: 1, fingerprint: change.from }).update({
    fingerprint: change.fingerprint,
    previous_fingerprint: change.from,
    previous_accepted_until: change.until,
    rotated_at: change.now,
  });
}

/** Whether the table exists yet (a process may start before `gatehouse migrate` ran). */
export async function hasInstallationSecretTable(knex: Knex): Promise<boolean> {
  return knex.schema.hasTable('installation_secret');
}
