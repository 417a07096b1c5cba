import type { Middleware } from 'koa';
import { bodySha256, EMPTY_BODY_SHA256 } from '../../contract/identity.js';
import { AppError } from '../../shared/errors.js';
import type { CallState } from './state.js';

/**
 * Reads the body under the operation's size limit (413) and parses it: JSON objects, or
 * `application/x-www-form-urlencoded` fields (seed 000's RPC arguments). Any other type is 415.
 * The bytes must be those the identity assertion was made for (issue 17, finding 8), else 401.
 */
export function readBody(): Middleware {
  return async function readBodyStep(ctx, next) {
    const call = ctx.state.call;
    const length = ctx.get('content-length');
    const hasBody = (length !== '' && length !== '0') || ctx.get('transfer-encoding') !== '';
    if (!hasBody) {
      checkBodyBinding(call, EMPTY_BODY_SHA256);
      return next();
    }

    const type = ctx.request.type;
    const isJson = type === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(type);
    const isForm = type === 'application/x-www-form-urlencoded';
    if (!isJson && !isForm) {
      throw new AppError('unsupported_media_type', 'Send the body as application/json or application/x-www-form-urlencoded.');
    }
    const limit = call.operation.bodyLimit;
    if (length !== '' && Number(length) > limit) throw tooLarge(limit);
    const bytes = await readLimited(ctx.req, limit);
    checkBodyBinding(call, bodySha256(bytes));
    const text = bytes.toString('utf8');
    if (text.trim() === '') return next();

    if (isForm) {
      call.rawBody = formFields(text);
      call.bodyWasForm = true;
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text, refuseProtoKeys);
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('invalid_request', 'The body is not valid JSON.');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new AppError('invalid_request', 'The body must be a JSON object.');
      }
      call.rawBody = parsed as Record<string, unknown>;
    }
    await next();
  };
}

/**
 * A `__proto__` key would be dropped by the schemas (zod skips it) or, worse, reach an object
 * assignment somewhere: refuse it instead of silently losing it.
 */
function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') {
    throw new AppError('validation_failed', '__proto__: is not an allowed key', {
      details: { fields: [{ field: '__proto__', message: 'is not an allowed key' }] },
    });
  }
  return value;
}

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `The body is larger than ${limit} bytes.`, { details: { limit } });
}

async function readLimited(stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A body other than the one the assertion covers is a replayed assertion, not a bad request. */
function checkBodyBinding(call: CallState, digest: string): void {
  if (call.assertedBodySha256 !== undefined && call.assertedBodySha256 !== digest) {
    throw new AppError('invalid_auth', 'The identity assertion is not valid.');
  }
}

/** Form fields; a repeated key becomes an array. */
function formFields(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of new URLSearchParams(text)) {
    refuseProtoKeys(key, value);
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else out[key] = Array.isArray(previous) ? [...(previous as string[]), value] : [previous, value];
  }
  return { ...out };
}
