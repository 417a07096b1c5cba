import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { writeJson } from '../shared/error-response.js';
import { AppError } from '../shared/errors.js';
import { checkReadiness, healthBody } from '../shared/health.js';
import { REQUEST_ID_HEADER } from '../shared/request-id.js';
import type { Runtime } from '../shared/runtime.js';
import type { RateLimits } from './limit-rate.js';

export type BuiltinRoutes = (req: http.IncomingMessage, res: http.ServerResponse, path: string, requestId: string) => Promise<void>;

/**
 * The gateway's own routes (issue 2): `/health` (seed 002's body), `/ready` (503 naming the
 * dependency that failed, the rate-limit store included) and `/metrics` (Prometheus), for GET and
 * HEAD (route-kinds.ts sends only those here).
 */
export function createBuiltinRoutes(runtime: Runtime, rateLimitStore: RateLimits['storeState']): BuiltinRoutes {
  const metricsAccess = createMetricsAccess(runtime.config);
  return async function builtin(req, res, path, requestId) {
    if (path === '/health') {
      writeJson(res, 200, healthBody(runtime.clock.now()), { [REQUEST_ID_HEADER]: requestId });
    } else if (path === '/ready') {
      const report = await checkReadiness(runtime);
      const checks = { ...report.checks, rate_limit_store: rateLimitStore() };
      const failed = Object.entries(checks).filter(([, state]) => state === 'failed').map(([name]) => name);
      const ok = failed.length === 0;
      writeJson(res, ok ? 200 : 503, { ok, status: ok ? 'ready' : 'unavailable', checks, ...(ok ? {} : { failed }) }, { [REQUEST_ID_HEADER]: requestId });
    } else if (path === '/metrics') {
      metricsAccess(req.headers.authorization);
      const body = await runtime.metrics.metrics();
      res.writeHead(200, { 'content-type': runtime.metrics.contentType, [REQUEST_ID_HEADER]: requestId });
      res.end(body);
    } else {
      throw new AppError('not_found', 'No such route.');
    }
  };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Who may read `/metrics` (issue 17, finding 8): the holder of METRICS_TOKEN, or anyone when the
 * operator chose METRICS_PUBLIC; with neither, nobody (401), so a default install never hands
 * out its traffic, tenants' operation names and error rates. Compared in constant time.
 */
function createMetricsAccess(config: Runtime['config']): (authorization: string | undefined) => void {
  const expected = config.METRICS_TOKEN === undefined ? undefined : digest(`Bearer ${config.METRICS_TOKEN}`);
  return function checkMetricsAccess(authorization) {
    if (config.METRICS_PUBLIC) return;
    if (expected === undefined) {
      throw new AppError('invalid_auth', 'Metrics are closed: the operator sets METRICS_TOKEN (or METRICS_PUBLIC=true) to open them.', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    if (authorization === undefined || !timingSafeEqual(digest(authorization), expected)) {
      throw new AppError('invalid_auth', 'Metrics need the metrics token.', { headers: { 'www-authenticate': 'Bearer' } });
    }
  };
}
