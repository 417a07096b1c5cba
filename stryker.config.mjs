// Mutation testing of the security core (`npm run mutate`; not part of `npm test`: it is slow).
// Narrow it with GATEHOUSE_MUTATE=<glob>[,<glob>] and GATEHOUSE_MUTATE_TESTS=<glob>[;<glob>].
// Figures and surviving mutants: docs/quality.md.
const securityCore = [
  'src/gateway/{authenticate,verify-token,api-keys,api-key-cache,check-revocation,revocation-list,enforce-permission,limit-rate,rate-policies,headers,check-path}.ts',
  'src/contract/{roles,permission,api-key,identity,first-party}.ts',
  'src/auth/token-api/*.ts',
  'src/db/api-keys.ts',
  'src/api/api-keys/handlers.ts',
  'src/api/members/service.ts',
  'src/domain/invitations.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: process.env.GATEHOUSE_MUTATE ? process.env.GATEHOUSE_MUTATE.split(',') : securityCore,
  concurrency: Number(process.env.GATEHOUSE_MUTATE_CONCURRENCY) || 1,
  // A mutant that loops forever is a timeout (counted as killed): 60 s suits the HTTP tests; pure
  // unit tests settle in far less (GATEHOUSE_MUTATE_TIMEOUT_MS).
  timeoutMS: Number(process.env.GATEHOUSE_MUTATE_TIMEOUT_MS) || 60_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  ignorePatterns: ['data', 'dist', 'reports', 'bench/results', 'test-results', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
