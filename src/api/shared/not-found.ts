import { AppError } from '../../shared/errors.js';

/** A row of another organization and a row that does not exist look the same (DESIGN.md "Resources"). */
export function notFound(what: string): AppError {
  return new AppError('not_found', `No such ${what}.`);
}
