import type http from 'node:http';
import { checkReadiness, healthBody } from '../shared/health.js';
import type { Runtime } from '../shared/runtime.js';

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * `/ready` (and, for a component without a listener of its own, `/health`) on an internal
 * listener, so an orchestrator probes the auth server, the API and the worker as it probes the
 * gateway: 503 naming the failed check while the database, Redis or this release's migrations
 * are missing.
 */
export function withProbes(runtime: Runtime, listener?: http.RequestListener): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/ready') {
      checkReadiness(runtime).then((report) => json(res, report.ok ? 200 : 503, report), () => json(res, 503, { ok: false, status: 'unavailable' }));
      return;
    }
    if (listener) return listener(req, res);
    if (req.method === 'GET' && path === '/health') return json(res, 200, healthBody(runtime.clock.now()));
    json(res, 404, { ok: false, error: 'not_found', message: 'No such route.' });
  };
}
