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
