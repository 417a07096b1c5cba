import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';
import type { Operation } from '../../contract/operation.js';
import { buildOpenApiDocument, GUIDES_PATH } from '../../contract/openapi.js';
import { GUIDES } from '../../contract/tags.js';

// `/openapi.json` and the reference page `/docs`, public and offline: swagger-ui comes from the
// installed `swagger-ui-dist` package (pinned; no CDN, so it works without a network).
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Gatehouse API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs-init.js"></script>
</body>
</html>
`;

// A file rather than an inline script, so a strict Content-Security-Policy (script-src 'self') holds.
const initScript = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/** The repository's docs/ folder, from the sources or from dist/ alike; undefined when not shipped. */
function findGuidesDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return existsSync(path.join(dir, 'docs')) ? path.join(dir, 'docs') : undefined;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const guideNames = new Set<string>(GUIDES);

export function serveDocs(options: { operations: readonly Operation[]; publicUrl: string }): Middleware {
  const dir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const document = JSON.stringify(buildOpenApiDocument(options.operations, { publicUrl: options.publicUrl }));
  const cache = new Map<string, Buffer>();
  const guidesDir = findGuidesDir();

  return async function serveDocsStep(ctx, next) {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/openapi.json') {
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = document;
      return;
    }
    if (ctx.path === '/docs' || ctx.path === '/docs/') {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = page;
      return;
    }
    if (ctx.path === '/docs/docs-init.js') {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = initScript;
      return;
    }
    // The guides /docs links to, as Markdown (only the listed files: no path from the request reaches the disk).
    const guide = ctx.path.startsWith(GUIDES_PATH) ? ctx.path.slice(GUIDES_PATH.length) : undefined;
    if (guide !== undefined && guidesDir && guideNames.has(guide)) {
      ctx.type = 'text/markdown; charset=utf-8';
      ctx.set('cache-control', 'public, max-age=300');
      ctx.body = readFileSync(path.join(guidesDir, guide));
      return;
    }
    const asset = ctx.path.startsWith('/docs/') ? ctx.path.slice('/docs/'.length) : undefined;
    if (asset !== undefined && Object.hasOwn(assets, asset)) {
      let content = cache.get(asset);
      if (!content) {
        content = readFileSync(path.join(dir, asset));
        cache.set(asset, content);
      }
      ctx.type = assets[asset]!;
      ctx.set('cache-control', 'public, max-age=86400');
      ctx.body = content;
      return;
    }
    await next();
  };
}
