import type { Middleware, ParameterizedContext } from 'koa';
import { z } from 'zod';
import { TOKEN_API_PATH } from '../../contract/auth-routes.js';
import { AppError } from '../../shared/errors.js';
import { parseBody, readJson } from '../http/json-body.js';
import type { SignInThrottle } from './throttle.js';
import type { TokenService } from './service.js';

export { TOKEN_API_PATH };

const signInBody = z.strictObject({
  email: z.string().trim().min(1, 'is required').max(254),
  password: z.string().min(1, 'is required').max(1024),
  organization: z.uuid('must be an organization id').optional(),
});
const refreshBody = z.strictObject({
  refreshToken: z.string().min(1, 'is required').max(512),
  clientId: z.string().trim().min(1, 'is required').max(254),
});

/**
 * Seed 001's time-based token API, exactly as the seed describes it:
 * - `POST {email, password}` → a 24 h token and a refresh token;
 * - `GET ?refreshToken=…` with the current token as Bearer → new pair, before expiry;
 * - `POST {refreshToken, clientId}` without Authorization → new pair, after expiry.
 * It is a first-party endpoint, not an OAuth password grant: discovery does not advertise it.
 */
export function tokenApi(deps: { service: TokenService; throttle: SignInThrottle }): Middleware {
  const { service, throttle } = deps;

  async function post(ctx: ParameterizedContext): Promise<void> {
    const body = await readJson(ctx);
    if (body !== null && typeof body === 'object' && 'refreshToken' in body) {
      if (ctx.get('authorization')) {
        throw new AppError('invalid_request', 'Refresh with POST is for expired tokens and takes no Authorization header; use GET with the current token instead.');
      }
      const input = parseBody(refreshBody, body);
      ctx.body = await service.refreshWithClientId(input.refreshToken, input.clientId);
      return;
    }
    const input = parseBody(signInBody, body);
    const ip = ctx.ip;
    await throttle.check(input.email, ip);
    try {
      ctx.body = await service.signIn(input);
    } catch (err) {
      if (err instanceof AppError && err.code === 'invalid_credentials') await throttle.failed(input.email, ip);
      throw err;
    }
    await throttle.succeeded(input.email, ip);
  }

  async function get(ctx: ParameterizedContext): Promise<void> {
    const refreshToken = ctx.query.refreshToken;
    if (typeof refreshToken !== 'string' || refreshToken === '') {
      throw new AppError('validation_failed', 'refreshToken: is required', { details: { fields: [{ field: 'refreshToken', message: 'is required' }] } });
    }
    const authorization = ctx.get('authorization');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
    if (!match) {
      throw new AppError('invalid_auth', 'Refresh with GET needs the current token as `Authorization: Bearer`.', { headers: { 'www-authenticate': 'Bearer' } });
    }
    ctx.body = await service.refreshWithBearer(refreshToken, match[1]!);
  }

  return async function timeBasedTokenApi(ctx, next) {
    if (ctx.path !== TOKEN_API_PATH) return next();
    ctx.set('cache-control', 'no-store');
    if (ctx.method === 'POST') return post(ctx);
    if (ctx.method === 'GET') return get(ctx);
    ctx.set('allow', 'GET, POST');
    throw new AppError('method_not_allowed', `${ctx.method} is not allowed here; use POST to sign in or refresh, GET to refresh before expiry.`);
  };
}
