import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRuntime, type OwnedRuntime } from '../../src/cli/runtime.js';
import { start, type StartRole, type Started } from '../../src/cli/start.js';
import type { Clock } from '../../src/shared/clock.js';
import { loadConfig, type Config } from '../../src/shared/config/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, createTestRedis } from './backend.js';
import { freePort } from './net.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface TestRuntimeOptions {
  /** Config values on top of the test defaults (keys are the env-var names). */
  config?: Record<string, unknown>;
  clock?: Clock;
}

/** Test defaults: silent logs, free ports on loopback, a temporary DATA_DIR, a fixed secret. */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    configDir: path.join(os.tmpdir(), 'gatehouse-no-config-dir'),
    overrides: {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      HOST: '127.0.0.1',
      PORT: 0,
      AUTH_PORT: 0,
      API_PORT: 0,
      SECRET: TEST_SECRET,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-')),
      ADMIN_EMAIL: 'admin@example.test',
      ADMIN_PASSWORD: 'admin-password-1',
      ...overrides,
    },
  });
}

/**
 * A runtime on a fresh cloned database; on the postgres backend also on Redis with a key prefix
 * of its own. `close()` drops everything it made.
 */
export async function createTestRuntime(options: TestRuntimeOptions = {}): Promise<OwnedRuntime> {
  const db = await createTestDatabase();
  const redis = createTestRedis();
  const config = testConfig({
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...(redis ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_KEY_PREFIX: redis.prefix } : {}),
    ...options.config,
  });
  const logger = createLogger({ level: config.LOG_LEVEL });
  redis?.redis.disconnect();
  redis?.subscriber.disconnect();
  const runtime = await createRuntime(config, logger, { db, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    ...runtime,
    async close() {
      await runtime.close();
      rmSync(config.DATA_DIR, { recursive: true, force: true });
    },
  };
}

export interface TestGatehouse extends Started {
  /** Base URL of the public gateway. */
  readonly url: string;
}

/** Gatehouse started in this process (all components, or one role) on a fresh test runtime. */
export async function startTestGatehouse(options: TestRuntimeOptions & { role?: StartRole } = {}): Promise<TestGatehouse> {
  // The issuer must be the gateway's real address, so the port is chosen before anything starts;
  // another test may take it in between, so a taken port means a second try on another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const runtime = await createTestRuntime({
      ...options,
      config: { PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, ...options.config },
    });
    try {
      const started = await start({ config: runtime.config, logger: runtime.logger, role: options.role ?? 'all', runtime, print: () => {} });
      return { ...started, url: started.urls.gateway ?? '' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 3) throw err;
    }
  }
}
