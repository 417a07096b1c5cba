import type { HttpMethod, Operation } from './operation.js';

/**
 * How a request names an operation. One matcher for both sides so the gateway and the resource API
 * never disagree:
 * - REST: `{method} /v2{path}` or `{method} {path}` (seed 002 uses paths without a prefix);
 * - RPC: `POST /v1/{name}` (seed 000), every argument (path parameters, query, body fields) in
 *   one JSON or form body.
 * Literal segments win over `{param}` segments (`/users/me` before `/users/{id}`).
 */
export type RouteMatch =
  | { kind: 'rest'; operation: Operation; params: Record<string, string> }
  | { kind: 'rpc'; operation: Operation; params: Record<string, never> }
  /** The path exists with other methods: 405 with `Allow`. */
  | { kind: 'method_not_allowed'; allow: HttpMethod[] }
  | { kind: 'none' };

export const REST_PREFIX = '/v2';
export const RPC_PREFIX = '/v1/';

interface CompiledRoute {
  operation: Operation;
  pattern: RegExp;
  names: string[];
  /** Sort key: literal segments first, left to right. */
  rank: string;
}

export interface RouteTable {
  match(method: string, path: string): RouteMatch;
}

export function createRouteTable(operations: readonly Operation[]): RouteTable {
  const byName = new Map(operations.map((op) => [op.name, op]));
  const routes: CompiledRoute[] = operations.map(compile).sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));

  function matchRest(method: string, path: string): RouteMatch {
    const allow = new Set<HttpMethod>();
    // The most literal path that matches decides: `DELETE /users/me` is a 405 of `/users/me`,
    // never `DELETE /users/{id}` with the id "me" (issue 13).
    let matchedPath: string | undefined;
    for (const route of routes) {
      if (matchedPath !== undefined && route.operation.path !== matchedPath) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      matchedPath = route.operation.path;
      if (route.operation.method !== method) {
        allow.add(route.operation.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = safeDecode(found[index + 1]!);
      });
      return { kind: 'rest', operation: route.operation, params };
    }
    return allow.size > 0 ? { kind: 'method_not_allowed', allow: [...allow] } : { kind: 'none' };
  }

  return {
    match(method, rawPath) {
      const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
      if (path.startsWith(RPC_PREFIX)) {
        const operation = byName.get(path.slice(RPC_PREFIX.length));
        if (!operation) return { kind: 'none' };
        return method === 'POST' ? { kind: 'rpc', operation, params: {} } : { kind: 'method_not_allowed', allow: ['POST'] };
      }
      if (path === REST_PREFIX || path.startsWith(`${REST_PREFIX}/`)) {
        return matchRest(method, path.slice(REST_PREFIX.length) || '/');
      }
      return matchRest(method, path);
    },
  };
}

function compile(operation: Operation): CompiledRoute {
  const names: string[] = [];
  const segments = operation.path.split('/').slice(1);
  const source = segments
    .map((segment) => {
      const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        return '/([^/]+)';
      }
      return '/' + segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  const rank = segments.map((segment) => (segment.startsWith('{') ? '1' : '0')).join('') + '|' + operation.path;
  return { operation, pattern: new RegExp(`^${source}$`), names, rank };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
