import type { Middleware } from 'koa';

/**
 * The auth server only listens internally, behind the gateway. Whatever Host the request came
 * with, URLs it builds (discovery, redirects, cookies' Secure flag) must be PUBLIC_URL's, so the
 * forwarded host and scheme are pinned here rather than trusted.
 */
export function publicOrigin(publicUrl: string): Middleware {
  const url = new URL(publicUrl);
  const proto = url.protocol.slice(0, -1);
  return async function pinPublicOrigin(ctx, next) {
    ctx.req.headers.host = url.host;
    ctx.req.headers['x-forwarded-host'] = url.host;
    ctx.req.headers['x-forwarded-proto'] = proto;
    await next();
  };
}

/** The caller's address as the gateway reported it (it sets X-Forwarded-For to one address). */
export function clientIp(headers: Record<string, string | string[] | undefined>, socketAddress: string | undefined): string {
  const forwarded = headers['x-forwarded-for'];
  const value = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const last = value?.split(',').map((s) => s.trim()).filter(Boolean).at(-1);
  return last ?? socketAddress ?? 'unknown';
}
