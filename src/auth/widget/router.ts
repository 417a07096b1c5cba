import type { Context, Middleware } from 'koa';
import { renderWidgetDemo, STYLE_HASH } from '../../../views/index.js';
import { WIDGET_DEMO_PAGE, WIDGET_SCRIPT_PATH } from '../../contract/auth-routes.js';
import { AppError } from '../../shared/errors.js';
import type { Runtime } from '../../shared/runtime.js';
import { loadWidgetBundle, versionedPath, type WidgetBundle } from './bundle.js';

const versioned = /^\/widget\/([A-Za-z0-9_-]+)\/widget\.js$/;
const clientTokenShape = /^wgt_[A-Za-z0-9]{1,64}$/;

/**
 * The widget's script and its demo page (issue 14), on the auth server, which already serves
 * pages and assets behind its security headers:
 *
 * - `/widget/{version}/widget.js`: immutable, cached for a year; another version is 404 (a build
 *   replaced it);
 * - `/widget.js`: the same bytes, cached five minutes and revalidated by ETag, for sites that
 *   embed the stable URL; `Content-Location` names the versioned one;
 * - `/widget/demo`: a page embedding the widget, with a strict CSP of its own; served when
 *   WIDGET_DEMO is on (by default only with the embedded database).
 */
export function widgetRoutes(runtime: Runtime, bundle: WidgetBundle | undefined = loadWidgetBundle()): Middleware {
  const { config, logger } = runtime;
  const demo = config.WIDGET_DEMO ?? config.DATABASE_URL === undefined;
  if (!bundle) logger.warn('the chat widget is not built (dist/widget/widget.js): run `npm run build`; /widget.js answers 404 until then');
  const origin = new URL(config.PUBLIC_URL).origin;

  return async function widgetRoute(ctx, next) {
    const match = versioned.exec(ctx.path);
    const isScript = ctx.path === WIDGET_SCRIPT_PATH || match !== null;
    if (!isScript && ctx.path !== WIDGET_DEMO_PAGE) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new AppError('method_not_allowed', `${ctx.method} is not allowed here.`, { headers: { allow: 'GET, HEAD' } });
    }
    if (!bundle) throw new AppError('not_found', 'The chat widget is not built on this server: run `npm run build`.');
    if (isScript) {
      if (match && match[1] !== bundle.version) throw new AppError('not_found', `No widget version ${match[1]}; the current one is ${versionedPath(bundle)}.`);
      sendScript(ctx, bundle, match !== null);
      return;
    }
    if (!demo) throw new AppError('not_found', 'The widget demo page is off (WIDGET_DEMO).');
    const token = ctx.query.client_token;
    const clientToken = typeof token === 'string' && clientTokenShape.test(token) ? token : undefined;
    ctx.set('content-security-policy', demoPolicy);
    ctx.set('cache-control', 'no-store');
    ctx.type = 'html';
    ctx.body = renderWidgetDemo({ clientToken, scriptUrl: versionedPath(bundle), origin });
  };
}

function sendScript(ctx: Context, bundle: WidgetBundle, immutable: boolean): void {
  ctx.set('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300, must-revalidate');
  ctx.set('content-location', versionedPath(bundle));
  // Sites with Cross-Origin-Embedder-Policy load it too.
  ctx.set('cross-origin-resource-policy', 'cross-origin');
  ctx.vary('Accept-Encoding');
  ctx.etag = bundle.version;
  ctx.type = 'text/javascript; charset=utf-8';
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  const gzip = ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
  if (gzip) ctx.set('content-encoding', 'gzip');
  ctx.body = gzip ? bundle.gzip : bundle.body;
}

/**
 * The demo page's own policy: what docs/widget.md tells a site to allow, and nothing more. The
 * inline stylesheet is the shared page style's hash; web views may come from https sites or
 * (a bot under development) from this machine over http.
 */
const demoPolicy = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' https: data:",
  'frame-src https: http://localhost:* http://127.0.0.1:*',
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
