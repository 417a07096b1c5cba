import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTable } from '../../scripts/config-table.js';
import { AUTH_SERVER_ROUTES, classifyAuthPath } from '../../src/contract/auth-routes.js';
import { createRouteTable, operations } from '../../src/contract/index.js';
import { documents, headingAnchors, links, readDocument, ROOT } from './markdown.js';

// What the documents name must exist: files and headings they link to, API paths and RPC methods
// they mention, the configuration they list. No internal vocabulary reaches a reader.

// Auth-server paths under /v2 (not operations of the contract).
const AUTH_SERVER_PATHS = new Set(['/v2/auth', ...AUTH_SERVER_ROUTES.filter((route) => route.startsWith('/v2/'))]);

describe('documentation references', () => {
  const routes = createRouteTable(operations);

  it.each(documents())('%s: every relative link reaches a file and heading', (file) => {
    const broken: string[] = [];
    for (const { target, line } of links(file)) {
      if (/^[a-z]+:/.test(target) || target.startsWith('/')) continue;
      const [relative, anchor] = target.split('#') as [string, string | undefined];
      const resolved = relative === '' ? file : path.normalize(path.join(path.dirname(file), relative));
      if (!existsSync(path.join(ROOT, resolved))) broken.push(`${file}:${line} ${target} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !headingAnchors(resolved).has(anchor)) broken.push(`${file}:${line} ${target} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });

  it.each(documents())('%s: every /v2 path and /v1 method it mentions exists', (file) => {
    const unknown: string[] = [];
    for (const match of readDocument(file).matchAll(/(?<![\w.:])\/v[12]\/[A-Za-z0-9_.{}$\-/]*/g)) {
      const mention = match[0].replace(/[./]+$/, '');
      // `/v1/{method}` describes the RPC form itself.
      if (AUTH_SERVER_PATHS.has(mention) || /^\/v1\/\{\w+\}$/.test(mention)) continue;
      const concrete = mention.replace(/\{[^}]*\}|\$\w+|\$\{[^}]*\}/g, 'x');
      if (concrete === '/v2' || concrete === '/v1') continue;
      // The auth server's paths under /v2 (its route table): visitor sessions.
      if (classifyAuthPath(concrete) === 'auth') continue;
      const found = routes.match(concrete.startsWith('/v1/') ? 'POST' : 'GET', concrete);
      if (found.kind === 'none') unknown.push(mention);
    }
    expect(unknown).toEqual([]);
  });

  it('lists every configuration variable with its current default (regenerate with `npm run config:table`)', () => {
    expect(readDocument('docs/configuration.md')).toContain(configTable());
  });

  it.each(documents())('%s: speaks to users, not in the project\'s internal vocabulary', (file) => {
    expect(readDocument(file)).not.toMatch(/\bseeds? ?0\d\d\b|\bissue \d+\b/i);
  });
});
