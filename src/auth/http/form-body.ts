import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';

const LIMIT = 16 * 1024;

/** Reads an `application/x-www-form-urlencoded` body (our own forms), bounded and validated. */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError('unsupported_media_type', 'Expected a form (application/x-www-form-urlencoded).');
  }
  return new URLSearchParams(await readRawBody(ctx));
}

/** The request body as text, at most 16 KiB (forms here, and the seed-001 token API's JSON). */
export async function readRawBody(ctx: Context): Promise<string> {
  const tooLarge = () => new AppError('payload_too_large', `The request body may be at most ${LIMIT} bytes.`);
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > LIMIT) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > LIMIT) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One value of a form field, or undefined when it is missing or sent more than once. */
export function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}
