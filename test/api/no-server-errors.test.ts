import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operations } from '../../src/contract/index.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// "Never a 500 for bad input": odd but well-formed payloads against every operation, as an admin
// (so permission never hides the handler), over REST and RPC.

const oddValues: unknown[] = [null, 0, -1, 1e308, 2 ** 53 + 1, '', ' ', 'ä😀\u200b', true, [], {}, [[[[]]]], { a: { b: { c: {} } } }, 'x'.repeat(3000)];

describe('no server errors for odd input', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it.each(operations.map((operation) => [operation.name, operation] as const))('%s', async (_name, operation) => {
    const identity = operation.role === 'public' ? undefined : tenant.identity('admin');
    const schema = operation.body ?? operation.query;
    const properties = schema ? Object.keys((z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: object }).properties ?? {}) : [];
    // A real conversation, so the odd input reaches its handler (a fresh one: delete is among them).
    const token = operation.path.startsWith('/conversations/{token}')
      ? ((await api.call(tenant.identity('admin'), 'POST', '/v2/conversations', {})).body.data as { token: string }).token
      : undefined;
    const path = `/v2${operation.path.replace('{id}', tenant.users.guest.id).replace('{token}', token ?? '{token}')}`;
    for (const value of oddValues) {
      const args = Object.fromEntries(properties.map((key) => [key, value]));
      const params = { ...(operation.path.includes('{id}') ? { id: tenant.users.guest.id } : {}), ...(token ? { token } : {}) };
      const rpc = await api.call(identity, 'POST', `/v1/${operation.name}`, { ...params, ...args });
      expect(rpc.status, `${operation.name} RPC ${JSON.stringify(value).slice(0, 40)}: ${JSON.stringify(rpc.body)}`).toBeLessThan(500);
      if (operation.body) {
        const rest = await api.call(identity, operation.method, path, args);
        expect(rest.status, `${operation.name} REST ${JSON.stringify(value).slice(0, 40)}: ${JSON.stringify(rest.body)}`).toBeLessThan(500);
      } else if (operation.query && typeof value === 'string') {
        const query = new URLSearchParams(Object.fromEntries(properties.map((key) => [key, value]))).toString();
        const rest = await api.call(identity, 'GET', `${path}?${query}`);
        expect(rest.status, `${operation.name} REST ?${query.slice(0, 40)}: ${JSON.stringify(rest.body)}`).toBeLessThan(500);
      }
    }
  });
});
