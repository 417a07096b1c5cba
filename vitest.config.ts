import { defineConfig } from 'vitest/config';

// The suite runs once on the embedded defaults (PGlite, in-process bus and limits) and, when
// TEST_DATABASE_URL / TEST_REDIS_URL point at real servers, again on Postgres + Redis.
const realBackends = Boolean(process.env.TEST_DATABASE_URL);

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    projects: [
      { extends: true, test: { name: 'embedded', env: { TEST_BACKEND: 'embedded' } } },
      ...(realBackends ? [{ extends: true as const, test: { name: 'postgres', env: { TEST_BACKEND: 'postgres' } } }] : []),
    ],
  },
});
