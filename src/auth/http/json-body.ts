import type { ParameterizedContext } from 'koa';
import type { z } from 'zod';
import { fieldErrors, validationFailed } from '../../contract/field-errors.js';
import { AppError } from '../../shared/errors.js';
import { readRawBody } from './form-body.js';

// The JSON bodies of the auth server's own endpoints (seed-001 token API, password reset): read
// bounded, parsed, validated with zod into the one field-error shape.

export async function readJson(ctx: ParameterizedContext): Promise<unknown> {
  if (!ctx.is('application/json')) {
    throw new AppError('unsupported_media_type', 'Send the request body as application/json.');
  }
  const text = await readRawBody(ctx);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', 'The body is not valid JSON.');
  }
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  throw validationFailed(fieldErrors(result.error));
}
