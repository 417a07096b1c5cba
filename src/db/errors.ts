import { AppError } from '../shared/errors.js';

interface PostgresError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/**
 * Postgres errors a client can cause become AppErrors; anything else is rethrown untouched and
 * ends as `server_error`. Both `pg` and PGlite report the SQLSTATE in `code`.
 */
export function translateDbError(err: unknown): never {
  const pgError = err as PostgresError;
  switch (pgError?.code) {
    case '23505':
      throw new AppError('conflict', 'A resource with the same unique value already exists.', {
        details: pgError.constraint ? { constraint: pgError.constraint } : undefined,
        cause: err,
      });
    case '23503':
      throw new AppError('validation_failed', 'A referenced resource does not exist.', { cause: err });
    case '22P02':
    case '22007':
    case '22008':
      throw new AppError('validation_failed', 'A value has the wrong format.', { cause: err });
    case '23514':
      throw new AppError('validation_failed', 'A value is outside what is allowed.', { cause: err });
    default:
      throw err;
  }
}

/** Runs `work`, translating the database errors a client can cause. */
export async function withDbErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    translateDbError(err);
  }
}

// Connection failures: Node's socket errors, SQLSTATE class 08 (connection exception), the
// server shutting down or not yet accepting (57P01-57P03), too many connections (53300), and the
// messages `pg`, its pool and knex's pool throw when a connection dies or cannot be had.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Knex: Timeout acquiring a connection)/;

/**
 * A database that cannot be reached is an outage the client may retry, not a bug: 503
 * `database_unavailable` with `Retry-After`, instead of a 500. Anything else comes back as it was.
 */
export function asDatabaseUnavailable(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const candidate = err as { code?: unknown; message?: unknown } | null;
  const code = typeof candidate?.code === 'string' ? candidate.code : '';
  const message = typeof candidate?.message === 'string' ? candidate.message : '';
  if (!UNAVAILABLE_CODES.has(code) && !/^08[0-9A-Z]{3}$/.test(code) && !UNAVAILABLE_MESSAGE.test(message)) return err;
  return new AppError('database_unavailable', 'The database is unavailable; try again shortly.', { headers: { 'retry-after': '1' }, cause: err });
}
