import type { Middleware } from 'koa';
import { IDENTITY_HEADER, InvalidAssertionError, verifyAssertion as verifyAssertionToken } from '../../contract/identity.js';
import { isRole } from '../../contract/roles.js';
import { AppError } from '../../shared/errors.js';
import type { ReplayCache } from './assertion-replay.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The resource API trusts only the gateway's signed assertion (DESIGN.md "Components"): without
 * a valid one for this method, path and query, used for the first time, a non-public operation
 * is 401 `invalid_auth`. The body it was made for is checked when the body is read (read-body.ts).
 */
export function verifyAssertion(keys: () => readonly Uint8Array[], replays: ReplayCache): Middleware {
  // During a root-secret rotation a gateway may sign with either secret: the active key first.
  async function verifyWithAny(header: string, request: { method: string; path: string; query: string }) {
    const [first, ...others] = keys();
    try {
      return await verifyAssertionToken(header, first!, request);
    } catch (err) {
      for (const key of others) {
        const verified = await verifyAssertionToken(header, key, request).catch(() => undefined);
        if (verified) return verified;
      }
      throw err;
    }
  }

  return async function verifyAssertionStep(ctx, next) {
    const call = ctx.state.call;
    const header = ctx.get(IDENTITY_HEADER);
    if (call.operation.role === 'public' && header === '') return next();
    if (header === '') throw new AppError('invalid_auth', 'This API is reached through the gateway, with credentials.');
    try {
      const verified = await verifyWithAny(header, { method: ctx.method, path: ctx.path, query: ctx.querystring });
      const { identity } = verified;
      if (!uuid.test(identity.org) || !isRole(identity.role) || typeof identity.sub !== 'string') {
        throw new InvalidAssertionError('the identity assertion is malformed');
      }
      if (await replays.seenBefore(verified.id)) throw new InvalidAssertionError('the identity assertion was used before');
      call.identity = identity;
      call.assertedBodySha256 = verified.bodySha256;
    } catch (err) {
      if (err instanceof InvalidAssertionError) throw new AppError('invalid_auth', 'The identity assertion is not valid.', { cause: err });
      throw err;
    }
    await next();
  };
}
