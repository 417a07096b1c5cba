import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant of the security core (stryker.config.mjs): the
// embedded project only, and only the files aimed at that core, so a mutation run takes hours
// rather than days on two cores. `npm test` never reads this file.
// Tests that need no database or built widget (test/contract, the gateway's pure rules) can be run
// without the global setup, which takes most of a minute: GATEHOUSE_MUTATE_NO_SETUP=1.
export default defineConfig({
  test: {
    globalSetup: process.env.GATEHOUSE_MUTATE_NO_SETUP ? [] : ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { TEST_BACKEND: 'embedded' },
    include: (process.env.GATEHOUSE_MUTATE_TESTS ?? [
      'src/**/*.test.ts',
      'test/contract/*.test.ts',
      'test/gateway/{verify-token-rules,authenticate-rules,api-key-resolver-rules,revocation-list-rules,api-key-cache-rules,limit-rate-rules,limit-rate-lease-rules}.test.ts',
      'test/domain/invitations-rules.test.ts',
      'test/api/{members-rules,api-keys-rules}.test.ts',
      'test/auth/token-api-rules.test.ts',
      'test/gateway/{security-rules,header-rules,rate-policy-rules,authentication,auth-path-variants,bad-input,permission-matrix,proxy,rate-limits,rate-lease,revocation,routing,api-key-cache,visitor-tokens}.test.ts',
      'test/tokens/{api-keys,time-based-tokens,revocation-rows}.test.ts',
      'test/api/{permission-matrix,tenant-isolation,tenant-isolation-accounts,through-gateway,trust-and-envelope,assertion-replay}.test.ts',
      'test/api/resources/{users-and-members,invitations,api-keys}.test.ts',
      'test/auth/onboarding-attacks.test.ts',
    ].join(';')).split(';'),
  },
});
