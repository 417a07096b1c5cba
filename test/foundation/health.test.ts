import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

describe('health, readiness and request ids through the gateway', () => {
  let gatehouse: TestGatehouse;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
  });
  afterAll(() => gatehouse.stop());

  it('answers GET /health as seed 002 describes', async () => {
    const before = Date.now();
    const res = await fetch(`${gatehouse.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { ok: boolean; status: string; timestamp: string };
    expect(Object.keys(body).sort()).toEqual(['ok', 'status', 'timestamp']);
    expect(body.ok).toBe(true);
    expect(body.status).toBe('healthy');
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before - 1);
  });

  it('reports the database (and Redis when configured) ready', async () => {
    const res = await fetch(`${gatehouse.url}/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; checks: Record<string, string> };
    expect(body.ok).toBe(true);
    expect(body.checks.database).toBe('ok');
    expect(body.checks.redis).toBe(gatehouse.runtime.redis ? 'ok' : 'not_configured');
  });

  it('echoes a sane inbound x-request-id and replaces an unsafe one', async () => {
    const kept = await fetch(`${gatehouse.url}/health`, { headers: { 'x-request-id': 'req-123.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('req-123.abc');
    const replaced = await fetch(`${gatehouse.url}/health`, { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await fetch(`${gatehouse.url}/health`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
