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

// A NUL raw, percent-encoded (forms) or escaped (JSON): Postgres cannot store one, and no
// parameter of ours may hold one (issue 13: they turned into 500s).
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const nul = /\u0000|%00|\\u0000/i;

/**
 * The request body as text, at most 16 KiB (forms here, the token endpoints', and the seed-001
 * token API's JSON). A body carrying a NUL in any form is refused (400 invalid_request).
 */
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
  const text = Buffer.concat(chunks).toString('utf8');
  if (nul.test(text)) throw nulRefused();
  return text;
}

export const nulRefused = () => new AppError('invalid_request', 'NUL characters are not allowed in a request.');

/** Whether a query string carries a NUL (raw or percent-encoded). */
export const queryHasNul = (querystring: string) => nul.test(querystring);

/** One value of a form field, or undefined when it is missing or sent more than once. */
export function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}
