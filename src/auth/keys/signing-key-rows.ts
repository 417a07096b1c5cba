import type { Knex } from 'knex';
import type { SigningAlg } from '../../contract/signing.js';

export interface SigningKeyRow {
  kid: string;
  alg: SigningAlg;
  generation: number;
  private_jwk_encrypted: string;
  public_jwk: Record<string, unknown>;
  created_at: Date;
  retire_after: Date | null;
}

/** Keys still published at `now`, newest generation first. */
export async function listLiveKeys(knex: Knex, now: Date): Promise<SigningKeyRow[]> {
  return knex('signing_keys')
    .where((q) => q.whereNull('retire_after').orWhere('retire_after', '>', now))
    .orderBy([{ column: 'generation', order: 'desc' }, { column: 'alg', order: 'asc' }]);
}

export async function currentGeneration(knex: Knex): Promise<number> {
  const row = await knex('signing_keys').max<{ max: number | null }>({ max: 'generation' }).first();
  return Number(row?.max ?? 0);
}

/**
 * Inserts a generation (one key per algorithm) in one statement; false when another process
 * inserted that generation first, in which case theirs is the one in use.
 */
export async function insertGeneration(knex: Knex, rows: Array<Omit<SigningKeyRow, 'created_at' | 'retire_after'>>): Promise<boolean> {
  const inserted: unknown[] = await knex('signing_keys')
    .insert(rows.map((r) => ({ ...r, public_jwk: JSON.stringify(r.public_jwk) })))
    .onConflict(['generation', 'alg'])
    .ignore()
    .returning('kid');
  return inserted.length > 0;
}

export async function retireOlderGenerations(knex: Knex, generation: number, retireAfter: Date): Promise<void> {
  await knex('signing_keys').where('generation', '<', generation).whereNull('retire_after').update({ retire_after: retireAfter });
}

export async function deleteRetiredKeys(knex: Knex, now: Date): Promise<number> {
  return knex('signing_keys').where('retire_after', '<=', now).delete();
}
