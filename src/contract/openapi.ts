import { z } from 'zod';
import { ERROR_STATUS } from '../shared/errors.js';
import { REQUEST_EXAMPLES } from './examples.js';
import type { Operation } from './operation.js';
import { ROLES } from './roles.js';
import { GUIDES, TAGS } from './tags.js';

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

/** Where /docs links to the guides (src/api/docs/serve.ts serves them). */
export const GUIDES_PATH = '/docs/guides/';

const guideTitles: Record<(typeof GUIDES)[number], string> = {
  'tokens.md': 'First-party tokens',
  'api-keys.md': 'API keys',
  'oauth-apps.md': 'OAuth apps',
  'calling-the-api.md': 'Calling the API',
  'chat.md': 'Chat: widgets, visitors, conversations and messages',
  'widget.md': 'The chat widget: embedding, Content-Security-Policy, demo page',
  'helpdesk.md': 'Helpdesk: tickets from creation to closed',
  'webhooks.md': 'Webhooks: endpoints, signed deliveries, the delivery log',
  'statistics.md': 'Statistics',
  'gateway.md': 'The gateway',
  'operating.md': 'Operating Gatehouse',
  'configuration.md': 'Configuration reference',
  'security.md': 'Security model',
  'benchmarks.md': 'Benchmarks',
};

const errorResponses: Record<string, string> = {
  '400': 'validation_failed (with `details.fields`) or invalid_request',
  '401': 'invalid_auth: missing or invalid credentials',
  '403': 'insufficient_scope (role too low), token_expired, or forbidden (a field you may not change)',
  '404': 'not_found (also for a resource of another organization)',
  '409': 'conflict, or for ticket status changes invalid_transition (with `details.allowed`) or assignee_required',
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
  if (operation.bare && operation.response) return jsonSchema(operation.response, 'output');
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
      const example = REQUEST_EXAMPLES[operation.name];
      const media = example === undefined ? { schema } : { schema, example };
      entry.requestBody = {
        required: true,
        content: { 'application/json': media, 'application/x-www-form-urlencoded': media },
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
      error: { type: 'string', description: 'Short machine-readable code.', examples: Object.keys(ERROR_STATUS) },
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
      description: [
        'REST at `/v2/{path}` (also un-versioned at `/{path}`) and RPC at `POST /v1/{operation}`. Every answer is JSON with a boolean `ok`.',
        '',
        `Guides: ${GUIDES.map((guide) => `[${guideTitles[guide]}](${GUIDES_PATH}${guide})`).join(' · ')}`,
      ].join('\n'),
      license: { name: 'Proprietary; all rights reserved' },
      contact: { name: 'Gatehouse operators', url: `${base}/docs` },
    },
    servers: [{ url: base }],
    tags: [...tags].map((name) => {
      const info = TAGS[name];
      return info ? { name, description: info.description, externalDocs: { description: 'Guide', url: `${base}${GUIDES_PATH}${info.guide}` } } : { name };
    }),
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
          description: 'Authorization code (with PKCE) for apps acting for a user, and the implicit grant for browser apps.',
          flows: {
            authorizationCode: { authorizationUrl: `${base}/oauth2/authorize`, tokenUrl: `${base}/oauth2/token`, refreshUrl: `${base}/oauth2/token`, scopes: oauthScopes },
            implicit: { authorizationUrl: `${base}/oauth2/authorize`, scopes: oauthScopes },
          },
        },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A 24-hour token from the first-party token API (`POST /v2/auth/token`), or an OAuth access token.' },
        apiKey: { type: 'http', scheme: 'basic', description: 'An API key as the HTTP Basic username with an empty password (a key also works as a Bearer token).' },
      },
    },
  };
}

