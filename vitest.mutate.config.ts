import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant of the security core (stryker.config.mjs): the
// embedded project only, and only the files aimed at that core, so a mutation run takes hours
// rather than days on two cores. `npm test` never reads this file.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { TEST_BACKEND: 'embedded' },
    include: (process.env.GATEHOUSE_MUTATE_TESTS ?? [
      'src/**/*.test.ts',
      'test/gateway/{authentication,auth-path-variants,bad-input,permission-matrix,proxy,rate-limits,rate-lease,revocation,routing,api-key-cache,visitor-tokens}.test.ts',
      'test/tokens/{api-keys,time-based-tokens}.test.ts',
      'test/api/{permission-matrix,tenant-isolation,tenant-isolation-accounts,through-gateway,trust-and-envelope,assertion-replay}.test.ts',
      'test/api/resources/{users-and-members,invitations,api-keys}.test.ts',
      'test/auth/onboarding-attacks.test.ts',
    ].join(';')).split(';'),
  },
});
