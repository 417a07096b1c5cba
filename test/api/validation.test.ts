import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operations, type Operation } from '../../src/contract/index.js';
import { filledPath, pathParams } from './fixtures.js';
import { startApiHarness, type ApiHarness, type ApiResponse, type Tenant } from './harness.js';

// Issue 6 "Validation", generated from the contract: for every operation with a body, wrong
// types, missing fields, unknown fields and oversized strings are a 400 naming the field,
// over REST and RPC, and never a 500.

type JsonSchema = { type?: string | string[]; anyOf?: JsonSchema[]; maxLength?: number; properties?: Record<string, JsonSchema>; required?: string[] };

function bodySchema(operation: Operation): JsonSchema {
  return z.toJSONSchema(operation.body!, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function firstType(schema: JsonSchema): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((type) => type !== 'null');
  for (const option of schema.anyOf ?? []) {
    const type = firstType(option);
    if (type && type !== 'null') return type;
  }
  return undefined;
}

function wrongValue(schema: JsonSchema): unknown {
  switch (firstType(schema)) {
    case 'number':
    case 'integer':
      return 'not-a-number';
    case 'boolean':
      return 'maybe';
    case 'array':
      return 'not-an-array';
    case 'object':
      return 'not-an-object';
    default:
      return 12345;
  }
}

function maxLength(schema: JsonSchema): number | undefined {
  return schema.maxLength ?? schema.anyOf?.map(maxLength).find((value) => value !== undefined);
}

function namedFields(res: ApiResponse): string[] {
  return (res.body.details?.fields ?? []).map((field) => field.field);
}

const withBody = operations.filter((operation) => operation.body);

describe('body validation, generated from the contract', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  // Public tokens of the right shape: the body is validated before anything looks the row up.

  function rest(operation: Operation, body: unknown): Promise<ApiResponse> {
    const identity = operation.role === 'public' ? undefined : tenant.identity('admin');
    return api.call(identity, operation.method, `/v2${filledPath(operation, tenant.users.admin.id)}`, body);
  }

  function rpc(operation: Operation, args: Record<string, unknown>): Promise<ApiResponse> {
    const identity = operation.role === 'public' ? undefined : tenant.identity('admin');
    return api.call(identity, 'POST', `/v1/${operation.name}`, { ...pathParams(operation, tenant.users.admin.id), ...args });
  }

  function expectNamed(res: ApiResponse, field: string, where: string): void {
    expect(res.status, `${where}: ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.body.error, where).toBe('validation_failed');
    expect(namedFields(res).some((named) => named === field || named.startsWith(`${field}.`)), `${where}: ${namedFields(res).join(', ')}`).toBe(true);
    expect(res.body.message, where).toMatch(/\S/);
  }

  it.each(withBody.map((operation) => [operation.name, operation] as const))('%s', async (_name, operation) => {
    const schema = bodySchema(operation);
    const properties = schema.properties ?? {};

    const unknown = await rest(operation, { unexpected_field: 1 });
    expectNamed(unknown, 'unexpected_field', 'unknown field over REST');
    const unknownRpc = await rpc(operation, { unexpected_field: 1 });
    expectNamed(unknownRpc, 'unexpected_field', 'unknown field over RPC');

    const empty = await rest(operation, {});
    for (const field of schema.required ?? []) {
      expectNamed(empty, field, `missing ${field}`);
      expect(empty.body.details?.fields?.find((named) => named.field === field)?.message).toBe('is required');
    }

    for (const [field, property] of Object.entries(properties)) {
      const wrong = await rest(operation, { [field]: wrongValue(property) });
      expectNamed(wrong, field, `wrong type for ${field}`);
      const wrongRpc = await rpc(operation, { [field]: wrongValue(property) });
      expectNamed(wrongRpc, field, `wrong type for ${field} over RPC`);
      const limit = maxLength(property);
      if (limit !== undefined) {
        const oversized = await rest(operation, { [field]: 'x'.repeat(limit + 1) });
        expectNamed(oversized, field, `oversized ${field}`);
      }
    }
  });

  it('names the missing thing in the singular, as written in the contract', async () => {
    const cases: [string, string][] = [
      ['/v2/knowledge-categories/not-an-id', 'No such knowledge category.'],
      ['/v2/knowledge-items/not-an-id', 'No such knowledge item.'],
      ['/v2/organization-groups/not-an-id', 'No such organization group.'],
      ['/v2/api-keys/not-an-id', 'No such API key.'],
    ];
    for (const [path, message] of cases) {
      const res = await api.call(tenant.identity('admin'), 'GET', path);
      expect([res.status, res.body.error, res.body.message]).toEqual([404, 'not_found', message]);
    }
  });

  it('refuses fields nobody may set (id, organization_id, timestamps)', async () => {
    for (const field of ['id', 'organization_id', 'created_at', 'updated_at']) {
      const res = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', { name: 'x', [field]: 'value' });
      expectNamed(res, field, field);
    }
  });

  it('refuses role and status on /users/me and a self-update of them by a non-admin', async () => {
    const me = await api.call(tenant.identity('guest'), 'PATCH', '/v2/users/me', { role: 'admin' });
    expectNamed(me, 'role', 'role on /users/me');
    for (const field of ['role', 'status'] as const) {
      const body = field === 'role' ? { role: 'admin' } : { status: 'disabled' };
      const self = await api.call(tenant.identity('agent'), 'PATCH', `/v2/users/${tenant.users.agent.id}`, body);
      expect([self.status, self.body.error, namedFields(self)]).toEqual([403, 'forbidden', [field]]);
    }
    const row = await api.runtime.db.knex('memberships').where({ user_id: tenant.users.agent.id }).first();
    expect(row.role).toBe('agent');
    expect(row.disabled_at).toBeNull();
  });

  it('refuses NUL characters (Postgres cannot store them) with the field named, never a 500', async () => {
    const body = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', { name: 'a\u0000b', attributes: { 'k\u0000': 'v' } });
    expect([body.status, namedFields(body)]).toEqual([400, ['name', 'attributes.k\u0000']]);
    const query = await api.call(tenant.identity('agent'), 'GET', '/v2/contacts?q=%00');
    expect([query.status, namedFields(query)]).toEqual([400, ['q']]);
    const nested = await api.call(tenant.identity('bot'), 'POST', '/v1/forms.create', { name: 'f', fields: [{ key: 'a', label: 'x\u0000', type: 'text' }] });
    expect([nested.status, namedFields(nested)]).toEqual([400, ['fields[0].label']]);
  });

  it('refuses a __proto__ key instead of silently dropping it', async () => {
    const res = await api.call(tenant.identity('bot'), 'POST', '/v2/contacts', '{"name":"x","attributes":{"__proto__":{"polluted":true}}}', {
      'content-type': 'application/json',
    });
    expect([res.status, res.body.error, namedFields(res)]).toEqual([400, 'validation_failed', ['__proto__']]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const form = await api.call(tenant.identity('bot'), 'POST', '/v1/contacts.create', 'name=x&__proto__=y', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect([form.status, namedFields(form)]).toEqual([400, ['__proto__']]);
  });

  it('validates nested form fields by position', async () => {
    const res = await api.call(tenant.identity('bot'), 'POST', '/v2/forms', {
      name: 'Form',
      fields: [
        { key: 'topic', label: 'Topic', type: 'select' },
        { key: 'topic', label: 'Again', type: 'text', options: ['a'] },
      ],
    });
    expect([res.status, namedFields(res)]).toEqual([400, ['fields[0].options', 'fields[1].key', 'fields[1].options']]);
    // Shape errors are reported first (the cross-field rules run on well-formed fields).
    const shape = await api.call(tenant.identity('bot'), 'POST', '/v2/forms', {
      name: 'Form',
      fields: [{ key: 'Bad Key', label: 'x', type: 'colour', extra: true }],
    });
    expect([shape.status, namedFields(shape).sort()]).toEqual([400, ['fields[0].extra', 'fields[0].key', 'fields[0].type']]);
  });
});
