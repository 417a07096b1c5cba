import type { Middleware } from 'koa';
import { z } from 'zod';
import type { Operation } from '../../contract/operation.js';
import { TAGS } from '../../contract/tags.js';
import { fieldErrors, fieldPath, type FieldError } from '../../contract/field-errors.js';
import { AppError } from '../../shared/errors.js';

const noFields = z.strictObject({});

/**
 * Validates parameters, query and body with the operation's schemas. An RPC call's flat
 * arguments are split first: path-parameter names, then query or body fields. A bad path
 * parameter is not_found (an id that cannot exist); bad query or body fields are 400
 * `validation_failed` naming every failing field, unknown ones included.
 */
export function validateInput(): Middleware {
  return async function validateInputStep(ctx, next) {
    const call = ctx.state.call;
    const { operation } = call;
    let params: Record<string, unknown>;
    let query: Record<string, unknown>;
    let body: Record<string, unknown>;
    if (call.kind === 'rpc') {
      const args = call.bodyWasForm ? coerceFormFields(operation, call.rawBody) : call.rawBody;
      ({ params, query, body } = splitRpcArguments(operation, args));
    } else {
      params = call.pathParams;
      query = { ...ctx.query };
      body = call.rawBody;
      if (call.bodyWasForm) body = coerceFields(operation.body, body);
    }

    const nul = [...findNul(query, []), ...findNul(body, [])];
    if (nul.length > 0) {
      const fields = nul.map((field) => ({ field, message: 'must not contain NUL characters' }));
      throw new AppError('validation_failed', `${fields[0]!.field}: must not contain NUL characters`, { details: { fields } });
    }
    const parsedParams = (operation.params ?? noFields).safeParse(params);
    if (!parsedParams.success) throw new AppError('not_found', `No such ${TAGS[operation.tag]?.singular ?? 'resource'}.`);
    const errors: FieldError[] = [];
    const parsedQuery = parseInto(operation.query ?? noFields, query, errors);
    const parsedBody = parseInto(operation.body ?? noFields, body, errors);
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new AppError('validation_failed', `${first.field}: ${first.message}`, { details: { fields: errors } });
    }
    call.params = parsedParams.data as Record<string, unknown>;
    call.query = parsedQuery;
    call.body = parsedBody;
    await next();
  };
}

/** Postgres text and jsonb cannot hold U+0000; refuse it up front rather than fail in SQL. */
function findNul(value: unknown, path: (string | number)[]): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [fieldPath(path) || '(body)'] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => findNul(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key.includes('\u0000') ? [fieldPath([...path, key])] : []),
      ...findNul(item, [...path, key]),
    ]);
  }
  return [];
}

function parseInto(schema: z.ZodType, value: unknown, errors: FieldError[]): Record<string, unknown> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data as Record<string, unknown>;
  errors.push(...fieldErrors(result.error));
  return {};
}

function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
}

/** RPC: `{id, limit, name}` → params `{id}`, then query (reads) or body (writes) for the rest. */
function splitRpcArguments(operation: Operation, args: Record<string, unknown>) {
  const paramNames = new Set(Object.keys(shapeOf(operation.params)));
  const queryNames = new Set(Object.keys(shapeOf(operation.query)));
  const params: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (paramNames.has(key)) params[key] = value;
    else if (queryNames.has(key) || (!operation.body && operation.query)) query[key] = value;
    else body[key] = value;
  }
  return { params, query, body };
}

function coerceFormFields(operation: Operation, fields: Record<string, unknown>): Record<string, unknown> {
  return coerceFields(operation.body, coerceFields(operation.query, fields));
}

/**
 * Form fields are strings; turn them into what the schema expects where that is unambiguous:
 * numbers, booleans, and JSON for arrays and objects (`fields=[…]`).
 */
function coerceFields(schema: z.ZodType | undefined, fields: Record<string, unknown>): Record<string, unknown> {
  const shape = shapeOf(schema);
  const out: Record<string, unknown> = { ...fields };
  for (const [key, value] of Object.entries(fields)) {
    const field = shape[key];
    if (field === undefined || typeof value !== 'string') continue;
    const type = baseType(field);
    if (type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) out[key] = Number(value);
    else if (type === 'boolean' && (value === 'true' || value === 'false')) out[key] = value === 'true';
    else if (type === 'array' || type === 'object' || type === 'record') {
      try {
        out[key] = JSON.parse(value);
      } catch {
        // left as a string: validation names the field
      }
    }
  }
  return out;
}

function baseType(schema: z.ZodType): string {
  let current = schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } };
  for (let depth = 0; depth < 10; depth++) {
    const def = current._zod.def;
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch'].includes(def.type) && def.innerType) {
      current = def.innerType as typeof current;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in as typeof current;
    } else {
      return def.type;
    }
  }
  return 'unknown';
}
