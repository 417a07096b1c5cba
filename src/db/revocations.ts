import type { Knex } from 'knex';
import type { EventBus } from '../shared/bus.js';

/**
 * A revocation: every credential it names stops working at every gateway within a second.
 * - `token`: one access token, by `jti`;
 * - `grant`: every token of one OAuth grant (or refresh-token family), by grant id;
 * - `api_key`: one API key, by key id;
 * - `user`: every token of one user issued before `notBefore` (disabled, demoted, password reset).
 * `expiresAt` is when the entry can be forgotten: the end of life of anything it could affect.
 */
export type Revocation =
  | { kind: 'token' | 'grant' | 'api_key'; subject: string; expiresAt: number }
  | { kind: 'user'; subject: string; notBefore: number; expiresAt: number };

export const REVOCATION_CHANNEL = 'revocations';

interface RevocationRow {
  kind: Revocation['kind'];
  subject: string;
  not_before: Date | null;
  expires_at: Date;
}

/** Persists the revocation (so a starting gateway loads it), then announces it on the bus. */
export async function revoke(deps: { knex: Knex; bus: EventBus }, revocation: Revocation): Promise<void> {
  const notBefore = revocation.kind === 'user' ? new Date(revocation.notBefore) : null;
  await deps.knex('revocations')
    .insert({ kind: revocation.kind, subject: revocation.subject, not_before: notBefore, expires_at: new Date(revocation.expiresAt) })
    .onConflict(['kind', 'subject'])
    .merge({
      not_before: notBefore,
      expires_at: deps.knex.raw('greatest(revocations.expires_at, excluded.expires_at)'),
    });
  await deps.bus.publish(REVOCATION_CHANNEL, revocation);
}

/** Every revocation still in force at `now` (ms since epoch). */
export async function loadActiveRevocations(knex: Knex, now: number): Promise<Revocation[]> {
  const rows: RevocationRow[] = await knex('revocations').where('expires_at', '>', new Date(now));
  return rows.map((row) =>
    row.kind === 'user'
      ? { kind: 'user', subject: row.subject, notBefore: row.not_before?.getTime() ?? 0, expiresAt: row.expires_at.getTime() }
      : { kind: row.kind, subject: row.subject, expiresAt: row.expires_at.getTime() },
  );
}

export async function deleteExpiredRevocations(knex: Knex, now: number): Promise<number> {
  // `returning` gives rows on both drivers (PGlite's bare delete count is not a number).
  const rows: unknown[] = await knex('revocations').where('expires_at', '<=', new Date(now)).delete().returning('subject');
  return rows.length;
}
