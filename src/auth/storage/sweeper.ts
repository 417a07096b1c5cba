import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { deleteRetiredKeys } from '../keys/signing-key-rows.js';
import { deleteExpiredRefreshTokens } from '../token-api/refresh-token-rows.js';
import { deleteExpiredRows } from './oidc-rows.js';

/**
 * Periodically deletes expired OIDC rows, expired seed-001 refresh tokens and retired signing keys;
 * the lookups ignore them anyway.
 */
export function startSweeper(deps: { knex: Knex; clock: Clock; intervalMs: number; logger: Logger }): { stop(): void; sweep(): Promise<void> } {
  async function sweep(): Promise<void> {
    const now = new Date(deps.clock.now());
    const rows = await deleteExpiredRows(deps.knex, now);
    const refreshTokens = await deleteExpiredRefreshTokens(deps.knex, now);
    const keys = await deleteRetiredKeys(deps.knex, now);
    if (rows + refreshTokens + keys > 0) deps.logger.debug({ rows, refreshTokens, keys }, 'swept expired OIDC rows, refresh tokens and retired keys');
  }
  const timer = setInterval(() => void sweep().catch((err: unknown) => deps.logger.warn({ err }, 'sweep failed')), deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
