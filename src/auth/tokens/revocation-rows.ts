import type { Knex } from 'knex';
import { membershipSubject } from '../../db/revocations.js';

/**
 * Whether a revocation in force names this token or its grant, or cuts off its user, its user's
 * membership in its organization, or its client, or its visitor (a visitor token) since before
 * `iat` (db/revocations.ts).
 */
export async function isRevoked(
  knex: Knex,
  claims: { jti?: string; gid?: string; sub?: string; org?: string; client_id?: string; visitor?: string; iat?: number },
  now: Date,
): Promise<boolean> {
  const cutoffs: { kind: string; subject: string }[] = [];
  if (claims.sub) cutoffs.push({ kind: 'user', subject: claims.sub });
  if (claims.sub && claims.org) cutoffs.push({ kind: 'membership', subject: membershipSubject(claims.org, claims.sub) });
  if (claims.client_id) cutoffs.push({ kind: 'client', subject: claims.client_id });
  if (claims.visitor && claims.sub) cutoffs.push({ kind: 'visitor', subject: claims.sub });
  const row = await knex('revocations')
    .where('expires_at', '>', now)
    .andWhere((q) => {
      if (claims.jti) q.orWhere({ kind: 'token', subject: claims.jti });
      if (claims.gid) q.orWhere({ kind: 'grant', subject: claims.gid });
      if (claims.iat !== undefined) {
        for (const cutoff of cutoffs) q.orWhere((u) => u.where(cutoff).andWhere('not_before', '>', new Date(claims.iat! * 1000)));
      }
    })
    .first('kind');
  return row !== undefined;
}
