import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { operations } from '../../src/contract/index.js';
import { REQUEST_EXAMPLES } from '../../src/contract/examples.js';
import { startApiHarness, type ApiHarness } from './harness.js';

// Issue 6: the OpenAPI document validates as 3.1 and lists every operation of the contract;
// `/docs` renders it from the installed swagger-ui files, with no CDN.

describe('OpenAPI document and /docs', () => {
  let api: ApiHarness;
  let document: Record<string, unknown> & { paths: Record<string, Record<string, { operationId: string; security: unknown[] }>> };
  beforeAll(async () => {
    api = await startApiHarness();
    const res = await fetch(`${api.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await res.json()) as typeof document;
  });
  afterAll(() => api.close());

  it('validates as OpenAPI 3.1', async () => {
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // …and the validator does refuse a broken one, so the check above means something.
    const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { parameters: Array<{ in: string }> }>> };
    broken.paths['/v2/contacts']!.get!.parameters[0]!.in = 'body';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('lists every contract operation once, at its method and /v2 path', () => {
    const listed = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`),
    );
    const expected = operations.map((operation) => `${operation.method} /v2${operation.path} ${operation.name}`);
    expect(listed.sort()).toEqual(expected.sort());
  });

  it('declares OAuth2 (code + implicit), bearer JWT and API key via Basic', () => {
    const schemes = (document.components as { securitySchemes: Record<string, Record<string, unknown>> }).securitySchemes;
    const flows = schemes.oauth2!.flows as Record<string, { authorizationUrl: string }>;
    expect(Object.keys(flows).sort()).toEqual(['authorizationCode', 'implicit']);
    expect(flows.implicit!.authorizationUrl).toBe(`${api.runtime.config.PUBLIC_URL}/oauth2/authorize`);
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.apiKey).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(document.paths['/v2/health']!.get!.security).toEqual([]);
    expect(document.paths['/v2/services']!.get!.security).toContainEqual({ apiKey: ['admin'] });
    expect(document.paths['/v2/services']!.get!.security).not.toContainEqual({ apiKey: ['bot'] });
  });

  it('serves /docs and its assets from the installed package', async () => {
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/docs-init.js']) {
      const res = await fetch(`${api.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(20);
    }
    const init = await (await fetch(`${api.url}/docs/docs-init.js`)).text();
    expect(init).toContain("'/openapi.json'");
    const traversal = await fetch(`${api.url}/docs/..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
  });

  it('describes every tag and links it to a guide that is served', async () => {
    const tags = document.tags as { name: string; description?: string; externalDocs?: { url: string } }[];
    expect(tags.map((tag) => tag.name).sort()).toEqual([...new Set(operations.map((operation) => operation.tag))].sort());
    for (const tag of tags) {
      expect(tag.description, tag.name).toMatch(/\w{3}/);
      const res = await fetch(tag.externalDocs!.url.replace(api.runtime.config.PUBLIC_URL, api.url));
      expect(res.status, tag.name).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      expect(await res.text()).toMatch(/^# /);
    }
    const guides = [...(document.info as { description: string }).description.matchAll(/\]\((\/docs\/guides\/[\w.-]+)\)/g)].map((m) => m[1]!);
    expect(guides).toContain('/docs/guides/tokens.md');
    const served = await fetch(`${api.url}/docs/guides/tokens.md`);
    expect(await served.text()).toBe(readFileSync(new URL('../../docs/tokens.md', import.meta.url), 'utf8'));
    // Only listed guides: nothing else of the disk is reachable.
    for (const path of ['/docs/guides/../package.json', '/docs/guides/%2e%2e%2fpackage.json', '/docs/guides/README.md', '/docs/guides/']) {
      expect((await fetch(`${api.url}${path}`)).status, path).toBe(404);
    }
  });

  it('gives a license, a contact, and a valid example for every request body', () => {
    expect(document.info).toMatchObject({ license: { name: expect.any(String) }, contact: { url: expect.stringMatching(/\/docs$/) } });
    const withBody = operations.filter((operation) => operation.body);
    expect(Object.keys(REQUEST_EXAMPLES).sort()).toEqual(withBody.map((operation) => operation.name).sort());
    for (const operation of withBody) {
      const parsed = (operation.body as z.ZodType).safeParse(REQUEST_EXAMPLES[operation.name]);
      expect(parsed.error?.issues ?? [], operation.name).toEqual([]);
      const entry = document.paths[`/v2${operation.path}`]![operation.method.toLowerCase()] as unknown as { requestBody: { content: Record<string, { example: unknown }> } };
      expect(entry.requestBody.content['application/json']!.example).toEqual(REQUEST_EXAMPLES[operation.name]);
    }
  });
});
