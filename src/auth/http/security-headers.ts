import type { Middleware } from 'koa';
import { STYLE_HASH } from '../../../views/index.js';

/**
 * Headers for every auth-server response (issue 3): no framing (clickjacking on consent), no
 * Referer leaking codes or interaction ids, no resources from anywhere but our one inline
 * stylesheet. Set on the raw response so the provider's own pages get them too. No
 * `form-action`: browsers apply it to the redirects after a consent POST, which go to clients.
 */
export function securityHeaders(): Middleware {
  const csp = [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    // The provider adds the hash of its one inline script (form_post) to script-src itself.
    "script-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return async function setSecurityHeaders(ctx, next) {
    ctx.res.setHeader('content-security-policy', csp);
    ctx.res.setHeader('referrer-policy', 'no-referrer');
    ctx.res.setHeader('x-frame-options', 'DENY');
    ctx.res.setHeader('x-content-type-options', 'nosniff');
    await next();
  };
}
