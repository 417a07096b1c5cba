import { fieldPath, fieldRefused } from '../../contract/field-errors.js';
import { GEOLOCATION_KEYS, VISITOR_CONTEXT_MAX_BYTES, VISITOR_CONTEXT_MAX_DEPTH } from '../../contract/operations/visitors.js';

// A visitor's context (seed 002: "geolocation data is automatically removed"): free-form JSON the
// site sets, merged as RFC 7396 describes, with geolocation stripped before anything is stored.
// Objects are built with Object.fromEntries, so a `__proto__` key stays a plain key.

type JsonObject = Record<string, unknown>;

/** `Geo_Location` and `LAT` are geolocation as much as `geolocation` and `lat` are. */
const normalise = (key: string) => key.toLowerCase().replace(/[_-]/g, '');
const GEOLOCATION = new Set<string>(GEOLOCATION_KEYS.map(normalise));

export function isGeolocationKey(key: string): boolean {
  return GEOLOCATION.has(normalise(key));
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses a context nested deeper than the limit (checked before any recursion over it). */
export function checkDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > VISITOR_CONTEXT_MAX_DEPTH) throw fieldRefused('context', `must be nested at most ${VISITOR_CONTEXT_MAX_DEPTH} levels deep`);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
}

/** JSON Merge Patch (RFC 7396 §2): objects merge key by key, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const merged = new Map(Object.entries(isObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, mergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

/** `value` without geolocation keys at any depth (inside arrays too); their paths go to `dropped`. */
export function withoutGeolocation(value: unknown, path: readonly (string | number)[], dropped: string[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withoutGeolocation(item, [...path, index], dropped));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([key, item]) => {
    if (isGeolocationKey(key)) {
      dropped.push(fieldPath([...path, key]));
      return [];
    }
    return [[key, withoutGeolocation(item, [...path, key], dropped)]];
  }));
}

export interface MergedContext {
  context: JsonObject;
  /** Paths of the geolocation keys removed, `context.device.geo`. */
  dropped: string[];
  /** The top-level keys the patch set or removed, geolocation left out (for the audit trail). */
  keys: string[];
}

/** The stored context after `patch`: merged, stripped, and within the size limit. */
export function mergeContext(stored: unknown, patch: JsonObject): MergedContext {
  checkDepth(patch);
  const dropped: string[] = [];
  const context = withoutGeolocation(mergePatch(isObject(stored) ? stored : {}, patch), ['context'], dropped) as JsonObject;
  const size = Buffer.byteLength(JSON.stringify(context), 'utf8');
  if (size > VISITOR_CONTEXT_MAX_BYTES) {
    throw fieldRefused('context', `must be at most ${VISITOR_CONTEXT_MAX_BYTES} bytes as JSON once merged (it would be ${size})`);
  }
  return { context, dropped, keys: Object.keys(patch).filter((key) => !isGeolocationKey(key)) };
}
