import { prometheus, type Registry } from '../shared/metrics.js';

/**
 * The gateway's Prometheus metrics (issue 5 "Observability"). Registered once per registry: a
 * second gateway on the same registry (tests) reuses them instead of throwing.
 */
export interface GatewayMetrics {
  requests: prometheus.Counter<'operation' | 'status'>;
  duration: prometheus.Histogram<'operation'>;
  upstreamDuration: prometheus.Histogram<'upstream'>;
  authFailures: prometheus.Counter<'reason'>;
  rateLimited: prometheus.Counter<'policy'>;
  rateLimitFallbacks: prometheus.Counter;
  jwksRefreshes: prometheus.Counter<'result'>;
  revocations: prometheus.Gauge;
}

const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createGatewayMetrics(registry: Registry, revocationCount: () => number): GatewayMetrics {
  function get<T>(name: string, make: () => T): T {
    return (registry.getSingleMetric(name) as T | undefined) ?? make();
  }
  const registers = [registry];
  return {
    requests: get('gateway_requests_total', () => new prometheus.Counter({ name: 'gateway_requests_total', help: 'Requests answered by the gateway, by operation and status.', labelNames: ['operation', 'status'] as const, registers })),
    duration: get('gateway_request_duration_seconds', () => new prometheus.Histogram({ name: 'gateway_request_duration_seconds', help: 'Time from request to response end at the gateway.', labelNames: ['operation'] as const, buckets, registers })),
    upstreamDuration: get('gateway_upstream_duration_seconds', () => new prometheus.Histogram({ name: 'gateway_upstream_duration_seconds', help: 'Time until the upstream sent response headers.', labelNames: ['upstream'] as const, buckets, registers })),
    authFailures: get('gateway_auth_failures_total', () => new prometheus.Counter({ name: 'gateway_auth_failures_total', help: 'Refused credentials, by reason.', labelNames: ['reason'] as const, registers })),
    rateLimited: get('gateway_rate_limited_total', () => new prometheus.Counter({ name: 'gateway_rate_limited_total', help: 'Requests refused with 429, by limit.', labelNames: ['policy'] as const, registers })),
    rateLimitFallbacks: get('gateway_rate_limit_fallbacks_total', () => new prometheus.Counter({ name: 'gateway_rate_limit_fallbacks_total', help: 'Times the rate limits fell back from Redis to per-process memory.', registers })),
    jwksRefreshes: get('gateway_jwks_refreshes_total', () => new prometheus.Counter({ name: 'gateway_jwks_refreshes_total', help: 'JWKS fetches from the auth server, by result.', labelNames: ['result'] as const, registers })),
    revocations: get('gateway_revocations', () => new prometheus.Gauge({ name: 'gateway_revocations', help: 'Entries in the in-memory revocation denylist.', registers, collect() { this.set(revocationCount()); } })),
  };
}

/**
 * The per-request observations of the hot path, with the labelled children looked up once per
 * operation (and status) instead of per request: prom-client hashes the labels on every lookup.
 */
export function createRequestRecorder(metrics: GatewayMetrics) {
  const byOperation = new Map<string, { duration: prometheus.Histogram.Internal<'operation'>; byStatus: Map<number, prometheus.Counter.Internal> }>();
  const upstreams = {
    api: metrics.upstreamDuration.labels({ upstream: 'api' }),
    auth: metrics.upstreamDuration.labels({ upstream: 'auth' }),
  };
  return {
    request(operation: string, status: number, seconds: number): void {
      let children = byOperation.get(operation);
      if (!children) {
        children = { duration: metrics.duration.labels({ operation }), byStatus: new Map() };
        byOperation.set(operation, children);
      }
      let counter = children.byStatus.get(status);
      if (!counter) {
        counter = metrics.requests.labels({ operation, status });
        children.byStatus.set(status, counter);
      }
      counter.inc();
      children.duration.observe(seconds);
    },
    upstream(name: 'api' | 'auth', seconds: number): void {
      upstreams[name].observe(seconds);
    },
  };
}

export type RequestRecorder = ReturnType<typeof createRequestRecorder>;
