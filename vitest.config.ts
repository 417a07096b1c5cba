import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The suite runs once on the embedded defaults (PGlite, in-process bus and limits) and, when
// TEST_DATABASE_URL / TEST_REDIS_URL point at real servers, again on Postgres + Redis.
// `*.real.test.ts` files start private Postgres/Redis servers of their own (to stop and kill
// them), so they run only in the postgres project, where those binaries are known to exist;
// `*.embedded.test.ts` files test the embedded defaults themselves and run only there.
const realBackends = Boolean(process.env.TEST_DATABASE_URL);
// One file per core. On two cores the suite on both backends took 1,131 s so, against 1,528 s for
// one file at a time in the CI run before; three at once was slower (1,495 s) and failed two
// timing-bound tests on a busy machine. GATEHOUSE_TEST_WORKERS overrides it.
const workers = Number(process.env.GATEHOUSE_TEST_WORKERS) || Math.max(1, availableParallelism());

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    maxWorkers: workers,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    projects: [
      { extends: true, test: { name: 'embedded', env: { TEST_BACKEND: 'embedded' }, exclude: ['**/node_modules/**', '**/*.real.test.ts'] } },
      ...(realBackends
        ? [{ extends: true as const, test: { name: 'postgres', env: { TEST_BACKEND: 'postgres' }, exclude: ['**/node_modules/**', '**/*.embedded.test.ts'] } }]
        : []),
    ],
  },
});
