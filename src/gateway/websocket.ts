import type http from 'node:http';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Config } from '../shared/config/index.js';
import { errorResponse, writeErrorToSocket } from '../shared/error-response.js';
import type { Logger } from '../shared/logger.js';
import { pickRequestId, REQUEST_ID_HEADER } from '../shared/request-id.js';
import { checkFraming } from './check-framing.js';
import { checkTarget } from './check-path.js';
import type { ClientAddress } from './client-address.js';
import type { RateLimits } from './limit-rate.js';
import { prepareApiRequest, type DecisionSteps, type PreparedRequest } from './prepare.js';
import { apiRateChecks } from './rate-policies.js';

/**
 * WebSocket upgrades (issue 5 "Proxy"; the `websocket` kind of route-kinds.ts): the same decision
 * as an API request (route, credential, revocation, permission, rate limit) on the upgrade
 * request, then http-proxy splices the two sockets. http-proxy stays the tool here: once upgraded
 * there is no per-request work left for the faster HTTP core to save (docs/benchmarks.md). A
 * refusal is a plain HTTP response with the usual JSON body (shared/error-response.ts), written
 * on the raw socket.
 */
export function createWebSocketProxy(
  apiUrl: string,
  steps: DecisionSteps & {
    limits: RateLimits;
    config: Config;
    clientAddress: (req: http.IncomingMessage) => ClientAddress;
    /** The headers an HTTP request to the API gets (upstreams.ts): hygiene, X-Forwarded-*, trace, assertion. */
    upstreamHeaders: (req: http.IncomingMessage, requestId: string, address: ClientAddress, prepared: PreparedRequest) => Record<string, string | string[]>;
  },
  log: Logger,
) {
  const proxy = httpProxy.createProxyServer({ target: apiUrl, ws: true, xfwd: false });
  proxy.on('error', (err, _req, socket) => {
    log.warn({ err }, 'websocket upstream failed');
    if (socket && 'destroy' in socket) (socket as Duplex).destroy();
  });

  return {
    async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      socket.on('error', () => socket.destroy());
      const requestId = pickRequestId(req.headers[REQUEST_ID_HEADER]);
      try {
        checkFraming(req);
        const { path, query } = checkTarget(req.url, steps.config.GATEWAY_MAX_PATH_LENGTH);
        const prepared = await prepareApiRequest(steps, req, path, query);
        const address = steps.clientAddress(req);
        await steps.limits.consume(apiRateChecks(steps.config, prepared.match.operation, prepared.caller, address.ip));
        const upgrade = req.headers.upgrade;
        // Hygiene drops hop-by-hop headers; an upgrade needs its own two back.
        req.headers = { ...steps.upstreamHeaders(req, requestId, address, prepared), connection: 'Upgrade', upgrade: upgrade ?? 'websocket' } as http.IncomingHttpHeaders;
        if (socket.destroyed) return;
        proxy.ws(req, socket, head);
      } catch (err) {
        writeErrorToSocket(socket, errorResponse(err, requestId), requestId);
      }
    },
    close() {
      proxy.close();
    },
  };
}
