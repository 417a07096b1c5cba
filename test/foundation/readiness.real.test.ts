import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type OwnedRuntime } from '../../src/cli/runtime.js';
import { start, type Started } from '../../src/cli/start.js';
import { createLogger } from '../../src/shared/logger.js';
import { freePort } from '../helpers/net.js';
import { testConfig } from '../helpers/gatehouse.js';
import { startPrivatePostgres, startPrivateRedis, type PrivateServer } from '../helpers/servers.js';

interface ReadyBody {
  ok: boolean;
  status: string;
  checks: Record<string, string>;
  failed?: string[];
}

async function ready(url: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

describe('GET /ready against real Postgres and Redis that go away', () => {
  let postgres: PrivateServer;
  let redis: PrivateServer;
  let runtime: OwnedRuntime;
  let started: Started;
  let url: string;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    const port = await freePort();
    const config = testConfig({ DATABASE_URL: postgres.url, REDIS_URL: redis.url, PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}` });
    runtime = await createRuntime(config, createLogger({ level: 'silent' }));
    started = await start({ config, logger: runtime.logger, role: 'all', runtime, print: () => {} });
    url = started.urls.gateway!;
  }, 60_000);

  afterAll(async () => {
    await started?.stop();
    postgres?.destroy();
    redis?.destroy();
  });

  it('is ready while both answer', async () => {
    expect(await ready(url)).toEqual({
      status: 200,
      body: { ok: true, status: 'ready', checks: { database: 'ok', redis: 'ok', migrations: 'ok', rate_limit_store: 'ok' } },
    });
  });

  it('answers 503 naming the database while Postgres is stopped, and recovers when it is back', async () => {
    postgres.stop();
    const down = await ready(url);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, status: 'unavailable', failed: ['database'], checks: { database: 'failed', redis: 'ok', rate_limit_store: 'ok' } });
    // /health stays cheap and up: it reports the process, not its dependencies.
    expect((await fetch(`${url}/health`)).status).toBe(200);

    postgres.start();
    await expect.poll(async () => (await ready(url)).status, { timeout: 10_000, interval: 200 }).toBe(200);
  }, 30_000);

  it('answers 503 naming Redis while Redis is down, within its bounded timeout, and recovers', async () => {
    redis.stop();
    const startedAt = Date.now();
    const down = await ready(url);
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    expect(down.status).toBe(503);
    // The gateway's rate limits run on their per-process fallback meanwhile, and say so.
    expect(down.body).toMatchObject({ failed: ['redis', 'rate_limit_store'], checks: { database: 'ok', redis: 'failed', rate_limit_store: 'failed' } });

    redis.start();
    await expect.poll(async () => (await ready(url)).status, { timeout: 10_000, interval: 200 }).toBe(200);
  }, 30_000);
});
