import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The widget's one-file bundle, built from widget/ by `npm run build` (scripts/build-widget.ts)
 * into dist/widget/widget.js, read once when the auth server starts. Its version is a hash of its
 * content: the versioned URL changes with every build, so it can be cached for a year.
 */
export interface WidgetBundle {
  version: string;
  body: Buffer;
  gzip: Buffer;
}

/** The package root (where package.json is), from src/ or dist/src/ alike. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const WIDGET_BUNDLE_FILE = path.join('dist', 'widget', 'widget.js');

/** The bundle, or undefined when it was never built (the routes then say how to build it). */
export function loadWidgetBundle(file = path.join(packageRoot(), WIDGET_BUNDLE_FILE)): WidgetBundle | undefined {
  if (!existsSync(file)) return undefined;
  const body = readFileSync(file);
  return { version: createHash('sha256').update(body).digest('hex').slice(0, 16), body, gzip: gzipSync(body, { level: 9 }) };
}

export const versionedPath = (bundle: WidgetBundle) => `/widget/${bundle.version}/widget.js`;
