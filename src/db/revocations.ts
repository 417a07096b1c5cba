import type { Knex } from 'knex';
import type { EventBus } from '../shared/bus.js';
import type { Config } from '../shared/config/index.js';

/**
 * A revocation: every credential it names stops working at every gateway within a second.
 * - `token`: one access token, by `jti`;
 * - `grant`: every token of one OAuth grant (or refresh-token family), by grant id;
 * - `api_key`: one API key, by key id;
 * Cut-offs refuse every token issued before `notBefore`:
 * - `user`: of one user, in every organization (password reset, account disabled);
 * - `membership`: of one user in one organization (`membershipSubject`: disabled, demoted or
 *   removed there; issue 17: another organization's tokens are not its to revoke);
 * - `client`: of one OAuth client, its client-credentials tokens included (deleted, secret rotated);
 * - `visitor`: of one website visitor, by visitor id (sessions revoked, visitor deleted).
 * `expiresAt` is when the entry can be forgotten: the end of life of anything it could affect.
 */
export const ID_REVOCATION_KINDS = ['token', 'grant', 'api_key'] as const;
export const CUTOFF_REVOCATION_KINDS = ['user', 'membership', 'client', 'visitor'] as const;
export type IdRevocationKind = (typeof ID_REVOCATION_KINDS)[number];
export type CutoffRevocationKind = (typeof CUTOFF_REVOCATION_KINDS)[number];

export type Revocation =
  | { kind: IdRevocationKind; subject: string; expiresAt: number }
  | { kind: CutoffRevocationKind; subject: string; notBefore: number; expiresAt: number };

/** The subject of a `membership` cut-off: one user in one organization. */
export const membershipSubject = (organizationId: string, userId: string) => `${organizationId}/${userId}`;

/** The organization and user a `membership` cut-off names (ids hold no `/`). */
export function parseMembershipSubject(subject: string): { organizationId: string; userId: string } {
  const slash = subject.indexOf('/');
  return { organizationId: subject.slice(0, slash), userId: subject.slice(slash + 1) };
}

const cutoffKinds = new Set<string>(CUTOFF_REVOCATION_KINDS);
export const isCutoffKind = (kind: string): kind is CutoffRevocationKind => cutoffKinds.has(kind);

export const REVOCATION_CHANNEL = 'revocations';

/** The settings that bound how long any access token lives. */
export type TokenLifetimes = Pick<Config, 'ACCESS_TOKEN_TTL_SECONDS' | 'IMPLICIT_ACCESS_TOKEN_TTL_SECONDS' | 'TIME_BASED_TOKEN_TTL_SECONDS' | 'VISITOR_TOKEN_TTL_SECONDS'>;

/**
 * The one rule for how long a revocation is kept (issue 9): past the end of life of every access
 * token it can affect (OAuth, implicit, first-party, visitor), plus a minute of clock skew. Refresh tokens,
 * grants and API keys are also deleted or marked in the database, which outlives this.
 */
export function revocationLifetimeMs(config: TokenLifetimes): number {
  const longest = Math.max(config.ACCESS_TOKEN_TTL_SECONDS, config.IMPLICIT_ACCESS_TOKEN_TTL_SECONDS, config.TIME_BASED_TOKEN_TTL_SECONDS, config.VISITOR_TOKEN_TTL_SECONDS);
  return (longest + 60) * 1000;
}

interface RevocationRow {
  kind: Revocation['kind'];
  subject: string;
  not_before: Date | null;
  expires_at: Date;
}

/** Persists the revocation (so a starting gateway loads it), then announces it on the bus. */
export async function revoke(deps: { knex: Knex; bus: EventBus }, revocation: Revocation): Promise<void> {
  const notBefore = 'notBefore' in revocation ? new Date(revocation.notBefore) : null;
  await deps.knex('revocations')
    .insert({ kind: revocation.kind, subject: revocation.subject, not_before: notBefore, expires_at: new Date(revocation.expiresAt) })
    .onConflict(['kind', 'subject'])
    // Both only move later (greatest ignores the nulls of id kinds): a write landing after a newer
    // one, from a slower process or one with a clock behind, must not give tokens back.
    .merge({
      not_before: deps.knex.raw('greatest(revocations.not_before, excluded.not_before)'),
      expires_at: deps.knex.raw('greatest(revocations.expires_at, excluded.expires_at)'),
    });
  // The row is the revocation; the message only makes it fast. While Redis is down the publish
  // fails, and the gateways learn it from the database when their bus reconnects (or at the
  // periodic resync), so a failed publish must not fail the request that revoked.
  await deps.bus.publish(REVOCATION_CHANNEL, revocation).catch(() => {});
}

/** Every revocation still in force at `now` (ms since epoch). */
export async function loadActiveRevocations(knex: Knex, now: number): Promise<Revocation[]> {
  const rows: RevocationRow[] = await knex('revocations').where('expires_at', '>', new Date(now));
  return rows.map((row) =>
    isCutoffKind(row.kind)
      ? { kind: row.kind, subject: row.subject, notBefore: row.not_before?.getTime() ?? 0, expiresAt: row.expires_at.getTime() }
      : { kind: row.kind, subject: row.subject, expiresAt: row.expires_at.getTime() },
  );
}

export async function deleteExpiredRevocations(knex: Knex, now: number): Promise<number> {
  // `returning` gives rows on both drivers (PGlite's bare delete count is not a number).
  const rows: unknown[] = await knex('revocations').where('expires_at', '<=', new Date(now)).delete().returning('subject');
  return rows.length;
}
