import type { Knex } from 'knex';

/** Whether a revocation in force names this token, its grant, or its user since before `iat`. */
export async function isRevoked(knex: Knex, claims: { jti?: string; gid?: string; sub?: string; iat?: number }, now: Date): Promise<boolean> {
  const row = await knex('revocations')
    .where('expires_at', '>', now)
    .andWhere((q) => {
      if (claims.jti) q.orWhere({ kind: 'token', subject: claims.jti });
      if (claims.gid) q.orWhere({ kind: 'grant', subject: claims.gid });
      if (claims.sub && claims.iat !== undefined) {
        q.orWhere((u) => u.where({ kind: 'user', subject: claims.sub }).andWhere('not_before', '>', new Date(claims.iat! * 1000)));
      }
    })
    .first('kind');
  return row !== undefined;
}
