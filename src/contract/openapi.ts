import { z } from 'zod';
import type { Operation } from './operation.js';
import { ROLES } from './roles.js';

/**
 * The OpenAPI 3.1 document, built from the operations table (DESIGN.md "The contract"). Schemas
 * come from the same zod objects the resource API validates with (`z.toJSONSchema`, JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1). Paths are the `/v2` REST ones; the RPC form of each
 * operation (`POST /v1/{name}`) is named in its description.
 */
export interface OpenApiOptions {
  publicUrl: string;
  version?: string;
}

type JsonObject = Record<string, unknown>;

const errorCodes = ['invalid_request', 'invalid_auth', 'token_expired', 'insufficient_scope', 'forbidden', 'not_found', 'method_not_allowed', 'conflict', 'validation_failed', 'unsupported_media_type', 'payload_too_large', 'unprocessable', 'rate_limited', 'upstream_unavailable', 'server_error'];

const errorResponses: Record<string, string> = {
  '400': 'validation_failed (with `details.fields`) or invalid_request',
  '401': 'invalid_auth: missing or invalid credentials',
  '403': 'insufficient_scope (role too low) or token_expired (seed 001)',
  '404': 'not_found (also for a resource of another organization)',
  '409': 'conflict',
  '413': 'payload_too_large',
  '415': 'unsupported_media_type: send JSON or a form',
  '422': 'unprocessable',
  '429': 'rate_limited',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonObject;
  delete out.$schema;
  return out;
}


function parameters(operation: Operation): JsonObject[] {
  const out: JsonObject[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = jsonSchema(schema, 'input');
    const properties = (json.properties ?? {}) as Record<string, JsonObject>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: property });
    }
  };
  add(operation.params, 'path');
  add(operation.query, 'query');
  return out;
}

function security(operation: Operation): JsonObject[] {
  if (operation.role === 'public') return [];
  const scopes = ROLES.slice(ROLES.indexOf(operation.self?.role ?? operation.role));
  // Any one of these scopes is enough (they cascade); OpenAPI lists them as alternatives.
  return scopes.flatMap((scope) => [{ oauth2: [scope] }, { bearer: [scope] }, { apiKey: [scope] }]);
}

function describeOperation(operation: Operation): string {
  const lines = [operation.description, '', `Minimum role: **${operation.role}**.`];
  if (operation.self) lines.push(`On your own user (\`${operation.self.param}\` = your id or \`me\`): **${operation.self.role}**.`);
  lines.push(`RPC: \`POST /v1/${operation.name}\` with every argument in a JSON or form body.`, `Rate-limit cost: ${operation.cost}.`);
  return lines.join('\n');
}

function successBody(operation: Operation): JsonObject {
  if (operation.role === 'public' && operation.name === 'health.check' && operation.response) return jsonSchema(operation.response, 'output');
  const data = operation.response ? jsonSchema(operation.response, 'output') : {};
  if (operation.list) {
    return {
      type: 'object',
      required: ['ok', 'data', 'next_cursor'],
      properties: { ok: { const: true }, data: { type: 'array', items: data }, next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last.' } },
    };
  }
  return { type: 'object', required: ['ok', 'data'], properties: { ok: { const: true }, data } };
}

export function buildOpenApiDocument(operations: readonly Operation[], options: OpenApiOptions): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const tags = new Set<string>();
  for (const operation of operations) {
    tags.add(operation.tag);
    const responses: Record<string, JsonObject> = {
      [String(operation.successStatus ?? 200)]: {
        description: 'Success',
        content: { 'application/json': { schema: successBody(operation) } },
      },
    };
    for (const [status, description] of Object.entries(errorResponses)) {
      if (operation.role === 'public' && (status === '401' || status === '403')) continue;
      responses[status] = { $ref: `#/components/responses/Error${status}`, description };
    }
    const entry: JsonObject = {
      operationId: operation.name,
      summary: operation.description,
      description: describeOperation(operation),
      tags: [operation.tag],
      parameters: parameters(operation),
      responses,
      security: security(operation),
      'x-gatehouse-role': operation.role,
      'x-gatehouse-cost': operation.cost,
    };
    if (operation.body) {
      const schema = jsonSchema(operation.body, 'input');
      entry.requestBody = {
        required: true,
        content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
      };
    }
    const path = `/v2${operation.path}`;
    paths[path] ??= {};
    paths[path][operation.method.toLowerCase()] = entry;
  }

  const errorSchema = {
    type: 'object',
    required: ['ok', 'error', 'message', 'request_id'],
    properties: {
      ok: { const: false },
      error: { type: 'string', description: 'Short machine-readable code.', examples: errorCodes },
      message: { type: 'string' },
      details: { description: 'For validation_failed: `{fields: [{field, message}]}`.' },
      request_id: { type: 'string' },
    },
  };
  const oauthScopes = Object.fromEntries(ROLES.map((role) => [role, `Role scope ${role} (cascading: includes every lower role).`]));
  const base = options.publicUrl.replace(/\/+$/, '');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse API',
      version: options.version ?? '2',
      description:
        'REST at `/v2/{path}` (also un-versioned at `/{path}`) and RPC at `POST /v1/{operation}`. Every answer is JSON with a boolean `ok`.',
    },
    servers: [{ url: base }],
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: errorSchema },
      responses: Object.fromEntries(
        Object.entries(errorResponses).map(([status, description]) => [
          `Error${status}`,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'Seed 000: authorization code (PKCE for public clients) and implicit grant.',
          flows: {
            authorizationCode: { authorizationUrl: `${base}/oauth2/authorize`, tokenUrl: `${base}/oauth2/token`, refreshUrl: `${base}/oauth2/token`, scopes: oauthScopes },
            implicit: { authorizationUrl: `${base}/oauth2/authorize`, scopes: oauthScopes },
          },
        },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Seed 001 time-based token from `POST /v2/auth/token`, or an OAuth access token.' },
        apiKey: { type: 'http', scheme: 'basic', description: 'Seed 000: the API key as the HTTP Basic username, empty password.' },
      },
    },
  };
}

