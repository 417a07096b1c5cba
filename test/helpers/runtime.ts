import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRuntime, type OwnedRuntime } from '../../src/cli/runtime.js';
import type { Clock } from '../../src/shared/clock.js';
import { loadConfig, type Config } from '../../src/shared/config/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestDatabase, createTestRedis } from './backend.js';

// The test runtime without the composition root: importing this loads no component (gateway
// tests stay clear of the auth server's modules); gatehouse.ts starts whole processes on it.

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
