import http from 'node:http';
import type { Component, Runtime } from '../shared/runtime.js';
import { AppError, toErrorBody } from '../shared/errors.js';
import { checkReadiness, healthBody } from '../shared/health.js';
import { pickRequestId, REQUEST_ID_HEADER } from '../shared/request-id.js';

export interface GatewayUpstreams {
  auth: string;
  api: string;
}

const authPrefixes = ['/.well-known/', '/oauth2/', '/interaction/', '/account', '/v2/auth/'];

/** The only public listener (DESIGN.md "Components"). */
export function createGatewayComponent(runtime: Runtime, upstreams: GatewayUpstreams): Component {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const log = runtime.logger.child({ component: 'gateway' });

  function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
    res.end(payload);
  }

  function sendError(res: http.ServerResponse, err: unknown, requestId: string): void {
    const { status, body, headers } = toErrorBody(err, requestId);
    if (status >= 500 && !(err instanceof AppError)) log.error({ err, request_id: requestId }, 'request failed');
    if (!res.headersSent) sendJson(res, status, body, { ...headers, [REQUEST_ID_HEADER]: requestId });
    else res.destroy();
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, base: string, requestId: string): void {
    const target = new URL(req.url ?? '/', base);
    const headers = { ...req.headers, [REQUEST_ID_HEADER]: requestId, host: target.host };
    const upstream = http.request(target, { method: req.method, headers, agent }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, { ...upstreamRes.headers, [REQUEST_ID_HEADER]: requestId });
      upstreamRes.pipe(res);
    });
    upstream.on('error', (err) => sendError(res, new AppError('upstream_unavailable', 'The upstream service is unavailable.', { cause: err }), requestId));
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = pickRequestId(req.headers[REQUEST_ID_HEADER]);
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (req.method === 'GET' && path === '/health') {
        return sendJson(res, 200, healthBody(runtime.clock.now()), { [REQUEST_ID_HEADER]: requestId });
      }
      if (req.method === 'GET' && path === '/ready') {
        const report = await checkReadiness(runtime);
        return sendJson(res, report.ok ? 200 : 503, report, { [REQUEST_ID_HEADER]: requestId });
      }
      if (req.method === 'GET' && path === '/metrics') {
        const token = runtime.config.METRICS_TOKEN;
        if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
          throw new AppError('invalid_auth', 'Metrics need the metrics token.', { headers: { 'www-authenticate': 'Bearer' } });
        }
        const body = await runtime.metrics.metrics();
        res.writeHead(200, { 'content-type': runtime.metrics.contentType, [REQUEST_ID_HEADER]: requestId });
        res.end(body);
        return;
      }
      const base = authPrefixes.some((prefix) => path.startsWith(prefix)) ? upstreams.auth : upstreams.api;
      forward(req, res, base, requestId);
    } catch (err) {
      sendError(res, err, requestId);
    }
  }

  return {
    name: 'gateway',
    listener: (req, res) => void handle(req, res),
    async stop() {
      agent.destroy();
    },
  };
}
