import type { IncomingHttpHeaders } from 'node:http';
import { REQUEST_ID_HEADER } from '../shared/request-id.js';

/**
 * Header hygiene (issue 5 "Proxy"). Hop-by-hop headers (RFC 9110 §7.6.1) and any header the
 * `Connection` header names are dropped; everything an upstream could read as identity, client
 * address or a method/path override is dropped so only the gateway's own values reach it.
 */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'http2-settings', 'expect', 'host',
];
const hopByHop = new Set(HOP_BY_HOP_HEADERS);

export const IDENTITY_HEADERS: readonly string[] = [
  'forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-cluster-client-ip',
  'remote-user', 'x-remote-user', 'x-remote-addr', 'x-user', 'x-userid', 'x-org', 'x-org-id', 'x-organization-id', 'x-tenant-id',
  'x-role', 'x-roles', 'x-scope', 'x-scopes', 'x-client-id', 'x-api-key', 'x-consumer-id', 'x-consumer-username',
  'x-credential-identifier', 'x-anonymous-consumer', 'x-identity', 'x-principal',
  // Method and path overrides would let the upstream run another operation than the one authorised.
  'x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-original-uri', 'x-rewrite-url',
  'x-original-method', 'x-request-id', 'traceparent', 'tracestate',
];
const identityExact = new Set(IDENTITY_HEADERS);
export const IDENTITY_HEADER_PREFIXES: readonly string[] = ['x-gatehouse-', 'x-forwarded-', 'x-authenticated-', 'x-auth-', 'x-user-', 'x-jwt-', 'x-original-'];

export function isStrippedHeader(name: string): boolean {
  return hopByHop.has(name) || identityExact.has(name) || IDENTITY_HEADER_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The request headers to send upstream: inbound minus the stripped ones, plus `set`. */
export function upstreamRequestHeaders(
  inbound: IncomingHttpHeaders,
  set: Record<string, string>,
  dropCredentials: boolean,
): Record<string, string | string[]> {
  const connectionTokens = listTokens(inbound.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in inbound) {
    const value = inbound[name];
    if (value === undefined || isStrippedHeader(name) || connectionTokens?.has(name)) continue;
    // The resource API trusts only the signed assertion; the raw credential stays at the gateway.
    if (dropCredentials && (name === 'authorization' || name === 'cookie')) continue;
    out[name] = value;
  }
  return Object.assign(out, set);
}

/** The response headers to send to the client: upstream minus hop-by-hop ones. */
export function downstreamResponseHeaders(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
  const connectionTokens = listTokens(upstream.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || (hopByHop.has(name) && name !== 'host') || connectionTokens?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The same for raw upstream headers (undici's name/value buffers): a flat `[name, value, …]` list
 * with lower-case names, ready for `res.writeHead`, then `extra`'s entries (which replace any
 * upstream header of the same name) and the request id.
 */
export function downstreamResponseHeaderList(raw: readonly Buffer[], extra: Record<string, string>, requestId: string): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    if (name === 'connection') {
      const value = raw[i + 1]!.toString('latin1');
      connection = connection === undefined ? value : `${connection},${value}`;
      continue;
    }
    // The gateway's own (request id, rate limits, CORS) replace the upstream's.
    if ((hopByHop.has(name) && name !== 'host') || name === REQUEST_ID_HEADER || Object.hasOwn(extra, name)) continue;
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  const connectionTokens = listTokens(connection);
  if (connectionTokens) {
    for (let i = out.length - 2; i >= 0; i -= 2) if (connectionTokens.has(out[i]!)) out.splice(i, 2);
  }
  for (const name in extra) out.push(name, extra[name]!);
  out.push(REQUEST_ID_HEADER, requestId);
  return out;
}

function listTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  const tokens = joined.toLowerCase().split(',').map((t) => t.trim()).filter(Boolean);
  return tokens.length === 0 || (tokens.length === 1 && (tokens[0] === 'keep-alive' || tokens[0] === 'close')) ? undefined : new Set(tokens);
}
