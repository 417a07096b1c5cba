import type { Knex } from 'knex';
import { membershipSubject } from '../../db/revocations.js';

export type RevocableClaims = { jti?: string; gid?: string; sub?: string; org?: string; client_id?: string; visitor?: string; iat?: number };

/**
 * The condition, on a `revocations` row aliased `alias`, that it is in force at `now` and names
 * this token or its grant, or is a cut-off later than `iat` of its user, its user's membership in
 * its organization, its client, or its visitor (a visitor token) (db/revocations.ts). Returned as
 * SQL with `?` bindings so that a read of something else can ask it in the same statement.
 */
export function revokedCondition(alias: string, claims: RevocableClaims, now: Date): { sql: string; bindings: (string | Date)[] } {
  const named: string[] = [];
  const bindings: (string | Date)[] = [now];
  const name = (kind: string, subject: string) => {
    named.push(`(${alias}.kind = ? and ${alias}.subject = ?)`);
    bindings.push(kind, subject);
  };
  if (claims.jti) name('token', claims.jti);
  if (claims.gid) name('grant', claims.gid);
  const cutoffs: [string, string][] = [];
  if (claims.sub) cutoffs.push(['user', claims.sub]);
  if (claims.sub && claims.org) cutoffs.push(['membership', membershipSubject(claims.org, claims.sub)]);
  if (claims.client_id) cutoffs.push(['client', claims.client_id]);
  if (claims.visitor && claims.sub) cutoffs.push(['visitor', claims.sub]);
  if (claims.iat !== undefined) {
    const issued = new Date(claims.iat * 1000);
    for (const [kind, subject] of cutoffs) {
      named.push(`(${alias}.kind = ? and ${alias}.subject = ? and ${alias}.not_before > ?)`);
      bindings.push(kind, subject, issued);
    }
  }
  if (named.length === 0) return { sql: 'false', bindings: [] };
  return { sql: `${alias}.expires_at > ? and (${named.join(' or ')})`, bindings };
}

/** Whether a revocation in force names these claims (revokedCondition). */
export async function isRevoked(knex: Knex, claims: RevocableClaims, now: Date): Promise<boolean> {
  const condition = revokedCondition('r', claims, now);
  const { rows }: { rows: unknown[] } = await knex.raw(`select 1 from revocations r where ${condition.sql} limit 1`, condition.bindings);
  return rows.length > 0;
}
