// The answer key of header hygiene: every name the gateway must strip before a request reaches
// the resource API, written out here rather than read from src/gateway/headers.ts, so a name
// dropped from the gateway's lists fails the tests that use these (header-rules, proxy).

export const HOP_BY_HOP = [
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'http2-settings', 'expect', 'host',
];

/** Names an upstream could read as identity or client address, and method or path overrides. */
export const IDENTITY = [
  'forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-cluster-client-ip',
  'remote-user', 'x-remote-user', 'x-remote-addr', 'x-user', 'x-userid', 'x-org', 'x-org-id', 'x-organization-id', 'x-tenant-id',
  'x-role', 'x-roles', 'x-scope', 'x-scopes', 'x-client-id', 'x-api-key', 'x-consumer-id', 'x-consumer-username',
  'x-credential-identifier', 'x-anonymous-consumer', 'x-identity', 'x-principal',
  'x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-original-uri', 'x-rewrite-url',
  'x-original-method', 'x-request-id', 'traceparent', 'tracestate',
];

export const PREFIXES = ['x-gatehouse-', 'x-forwarded-', 'x-authenticated-', 'x-auth-', 'x-user-', 'x-jwt-', 'x-original-'];
