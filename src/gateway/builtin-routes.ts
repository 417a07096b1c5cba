import type http from 'node:http';
import { AppError } from '../shared/errors.js';
import { checkReadiness, healthBody } from '../shared/health.js';
import { REQUEST_ID_HEADER } from '../shared/request-id.js';
import type { Runtime } from '../shared/runtime.js';
import type { RateLimits } from './limit-rate.js';

type SendJson = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string>) => void;

/**
 * The gateway's own routes (issue 2): `/health` (seed 002's body), `/ready` (503 naming the
 * dependency that failed, the rate-limit store included) and `/metrics` (Prometheus, behind
 * METRICS_TOKEN when set). Answers GET and HEAD; false when the request is not one of them.
 */
export function createBuiltinRoutes(runtime: Runtime, rateLimitStore: RateLimits['storeState'], sendJson: SendJson) {
  return async function builtin(req: http.IncomingMessage, res: http.ServerResponse, path: string, requestId: string): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/health') {
      sendJson(res, 200, healthBody(runtime.clock.now()), { [REQUEST_ID_HEADER]: requestId });
      return true;
    }
    if (path === '/ready') {
      const report = await checkReadiness(runtime);
      const checks = { ...report.checks, rate_limit_store: rateLimitStore() };
      const failed = Object.entries(checks).filter(([, state]) => state === 'failed').map(([name]) => name);
      const ok = failed.length === 0;
      sendJson(res, ok ? 200 : 503, { ok, status: ok ? 'ready' : 'unavailable', checks, ...(ok ? {} : { failed }) }, { [REQUEST_ID_HEADER]: requestId });
      return true;
    }
    if (path === '/metrics') {
      const token = runtime.config.METRICS_TOKEN;
      if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
        throw new AppError('invalid_auth', 'Metrics need the metrics token.', { headers: { 'www-authenticate': 'Bearer' } });
      }
      const body = await runtime.metrics.metrics();
      res.writeHead(200, { 'content-type': runtime.metrics.contentType, [REQUEST_ID_HEADER]: requestId });
      res.end(body);
      return true;
    }
    return false;
  };
}
