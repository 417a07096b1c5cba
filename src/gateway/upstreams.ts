import type http from 'node:http';
import { bodySha256, EMPTY_BODY_SHA256, IDENTITY_HEADER } from '../contract/identity.js';
import type { Config } from '../shared/config/index.js';
import { REQUEST_ID_HEADER } from '../shared/request-id.js';
import type { ClientAddress } from './client-address.js';
import { createUpstream, type Upstream } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import type { PreparedRequest } from './prepare.js';
import type { AssertionSigner } from './sign-assertion.js';
import { nextTraceparent } from './trace.js';

/**
 * The two upstreams and the headers the gateway sends them: the inbound headers after hygiene,
 * then the gateway's own `X-Forwarded-*` (replacing, never appending to, a client's), request id,
 * trace context and, for the resource API, the signed identity assertion bound to this method,
 * path, query and body. The API never sees the raw credential.
 */
export function createUpstreams(urls: { auth: string; api: string; authListener?: http.RequestListener | undefined }, config: Config, sign: AssertionSigner) {
  const options = {
    connections: config.GATEWAY_UPSTREAM_CONNECTIONS,
    connectTimeoutMs: config.GATEWAY_CONNECT_TIMEOUT_MS,
    responseTimeoutMs: config.GATEWAY_RESPONSE_TIMEOUT_MS,
  };
  const api = createUpstream('api', urls.api, options);
  const auth = createUpstream('auth', urls.auth, options, urls.authListener);
  // A live stream holds its upstream connection for as long as it is open: in the bounded pool,
  // GATEWAY_UPSTREAM_CONNECTIONS open streams would leave every other API request (and the next
  // stream) queued behind them. Streams get a pool of their own, one connection each.
  const apiStreams = createUpstream('api', urls.api, { ...options, connections: null });
  return {
    api,
    apiStreams,
    auth,
    requestHeaders(
      req: http.IncomingMessage,
      upstream: Upstream,
      requestId: string,
      address: ClientAddress,
      prepared: PreparedRequest | undefined,
      /** The whole body, read first (gateway/buffer-body.ts); undefined when the request has none. */
      body?: Buffer,
    ): Record<string, string | string[]> {
      const set = gatewayHeaders(req, requestId, address);
      const identity = prepared?.caller?.identity;
      const assertion = identity && sign(identity, {
        method: req.method ?? 'GET', path: prepared!.path, query: prepared!.query, bodySha256: body === undefined ? EMPTY_BODY_SHA256 : bodySha256(body),
      });
      if (assertion !== undefined) set[IDENTITY_HEADER] = assertion;
      return upstreamRequestHeaders(req.headers, set, upstream.name === 'api');
    },
    async close() {
      await Promise.all([api.pool.destroy(), apiStreams.pool.destroy(), auth.pool.destroy()]);
    },
  };
}

function gatewayHeaders(req: http.IncomingMessage, requestId: string, address: ClientAddress): Record<string, string> {
  const trace = nextTraceparent(req.headers.traceparent);
  const set: Record<string, string> = {
    'x-forwarded-for': address.ip,
    'x-forwarded-proto': address.proto,
    [REQUEST_ID_HEADER]: requestId,
    traceparent: trace.traceparent,
  };
  if (address.host !== undefined) set['x-forwarded-host'] = address.host;
  const tracestate = req.headers.tracestate;
  if (trace.continued && typeof tracestate === 'string' && tracestate.length <= 512) set.tracestate = tracestate;
  return set;
}

export type Upstreams = ReturnType<typeof createUpstreams>;
