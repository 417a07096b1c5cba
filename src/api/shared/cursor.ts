import { AppError } from '../../shared/errors.js';

/**
 * Keyset cursors: the position after the last row of a page, `(created_at, id)` with the
 * timestamp to the microsecond. A page never repeats or skips a row that existed when the first
 * page was read, whatever is inserted meanwhile (new rows sort after the old ones).
 */
export interface CursorPosition {
  at: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

const timestampShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const idShape = /^[0-9a-f-]{36}$/i;

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && timestampShape.test(String(value[0])) && idShape.test(String(value[1]))) {
      return { at: String(value[0]), id: String(value[1]) };
    }
  } catch {
    // falls through to the error below
  }
  throw new AppError('validation_failed', 'cursor: is not a cursor this API issued', {
    details: { fields: [{ field: 'cursor', message: 'is not a cursor this API issued' }] },
  });
}
