import type http from 'node:http';
import { AppError } from '../shared/errors.js';

const EXPECTS_CONTINUE = /^\s*100-continue\s*$/i;

/** True when the request announces a body (a length other than 0, or chunked). */
export function hasRequestBody(req: http.IncomingMessage): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined ? declared !== '0' : req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads the body of an API request that gets an identity assertion, whole, before anything goes
 * upstream (issue 17, finding 8): the assertion is a header and covers the body's SHA-256, so
 * the digest must be known first. HTTP trailers could carry a digest of a streamed body, but
 * neither undici nor koa's body reading would check one before the handler runs; the contract
 * keeps API bodies small (16 KiB by default, 256 KiB at most), so reading them whole is cheap
 * and the API reads them whole anyway. Bounded by the operation's limit: 413 at once when
 * Content-Length says so, else as soon as the body passes it. `Expect: 100-continue` is
 * answered only now, after authentication, permission and rate limits passed.
 */
export async function bufferBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  if (EXPECTS_CONTINUE.test(req.headers.expect ?? '')) res.writeContinue();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('invalid_request', 'The request body was not received whole.', { cause: err });
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `The request body exceeds ${limit} bytes.`, { details: { limit } });
}
