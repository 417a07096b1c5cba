import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { widgetRoutes } from '../../src/auth/widget/router.js';
import type { Runtime } from '../../src/shared/runtime.js';
import { testConfig } from '../helpers/runtime.js';

// WIDGET_DEMO (issue 14): the demo page is on by default only with the embedded database; an
// explicit setting wins either way. The script is served whatever the setting.

const bundle = { version: '0123456789abcdef', body: Buffer.from('/* widget */'), gzip: gzipSync('/* widget */') };

async function statuses(overrides: Record<string, unknown>): Promise<{ demo: number; script: number }> {
  const runtime = { config: testConfig(overrides), logger: { warn: () => {} } } as unknown as Runtime;
  const app = new Koa();
  app.use(widgetRoutes(runtime, bundle));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const [demo, script] = await Promise.all(['/widget/demo', '/widget.js'].map(async (path) => (await fetch(base + path)).status));
    return { demo: demo!, script: script! };
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

describe('WIDGET_DEMO', () => {
  it.each([
    ['the embedded database, unset', {}, 200],
    ['DATABASE_URL, unset', { DATABASE_URL: 'postgres://gatehouse@db.internal/gatehouse' }, 404],
    ['DATABASE_URL, true', { DATABASE_URL: 'postgres://gatehouse@db.internal/gatehouse', WIDGET_DEMO: 'true' }, 200],
    ['the embedded database, false', { WIDGET_DEMO: 'false' }, 404],
  ])('with %s: the demo page answers %i', async (_name, overrides, demo) => {
    expect(await statuses(overrides)).toEqual({ demo, script: 200 });
  });
});
