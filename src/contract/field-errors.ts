import { AppError } from '../shared/errors.js';
import type { z } from 'zod';

/** One refused field of a request: `{field, message}` in `details.fields` of a 400. */
export interface FieldError {
  field: string;
  message: string;
}

/** A JSON path as clients write it: `content.cards[3].buttons[0].url`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Zod's issues as field errors: the one translation every schema of the API goes through. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: fieldPath([...issue.path, key]), message: 'is not a known field' });
      continue;
    }
    // With reportInput, a field that was not sent at all has `input: undefined`.
    const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') && 'input' in issue && issue.input === undefined;
    out.push({ field: fieldPath(issue.path) || '(body)', message: missing ? 'is required' : issue.message });
  }
  return out;
}

/** The one shape of a 400 naming fields: `{error: 'validation_failed', details: {fields}}`. */
export function validationFailed(fields: FieldError[]): AppError {
  const first = fields[0]!;
  return new AppError('validation_failed', `${first.field}: ${first.message}`, { details: { fields } });
}

/** One refused field. */
export const fieldRefused = (field: string, message: string) => validationFailed([{ field, message }]);
