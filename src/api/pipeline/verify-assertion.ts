import type { Middleware } from 'koa';
import { IDENTITY_HEADER, InvalidAssertionError, verifyIdentity } from '../../contract/identity.js';
import { isRole } from '../../contract/roles.js';
import { AppError } from '../../shared/errors.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The resource API trusts only the gateway's signed assertion (DESIGN.md "Components"): without
 * a valid one for this method and path, a non-public operation is 401 `invalid_auth`.
 */
export function verifyAssertion(key: Uint8Array): Middleware {
  return async function verifyAssertionStep(ctx, next) {
    const { operation } = ctx.state.call;
    const header = ctx.get(IDENTITY_HEADER);
    if (operation.role === 'public' && header === '') return next();
    if (header === '') throw new AppError('invalid_auth', 'This API is reached through the gateway, with credentials.');
    try {
      const identity = await verifyIdentity(header, key, { method: ctx.method, path: ctx.path });
      if (!uuid.test(identity.org) || !isRole(identity.role) || typeof identity.sub !== 'string') {
        throw new InvalidAssertionError('the identity assertion is malformed');
      }
      ctx.state.call.identity = identity;
    } catch (err) {
      if (err instanceof InvalidAssertionError) throw new AppError('invalid_auth', 'The identity assertion is not valid.', { cause: err });
      throw err;
    }
    await next();
  };
}
