// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'coverage/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  { languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  { files: ['src/cli/**', 'bench/**', 'test/**', 'bin/**', 'scripts/**', 'examples/**'], rules: { 'no-console': 'off' } },
  // The chat widget runs in visitors' browsers (widget/tsconfig.json has the DOM's types).
  { files: ['widget/**/*.ts'], languageOptions: { globals: globals.browser }, rules: { 'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }] } },
  // STYLE.md: a file past ~300 lines is usually two ideas.
  { files: ['src/**/*.ts'], ignores: ['src/**/*.test.ts'], rules: { 'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }] } },
  ...layers(),
);

/**
 * DESIGN.md "Repository layout", the direction of imports:
 * cli → {auth, gateway, api, webhooks, mail} → domain → {contract, db} → shared, with db above contract;
 * the gateway, auth server and resource API never import each other. Each layer lists what it
 * may not reach.
 */
function layers() {
  /** @type {Record<string, string[]>} */
  const forbidden = {
    shared: ['contract', 'db', 'domain', 'auth', 'gateway', 'api', 'webhooks', 'mail', 'cli', 'views'],
    contract: ['db', 'domain', 'auth', 'gateway', 'api', 'webhooks', 'mail', 'cli', 'views'],
    db: ['domain', 'auth', 'gateway', 'api', 'webhooks', 'mail', 'cli', 'views'],
    domain: ['auth', 'gateway', 'api', 'webhooks', 'mail', 'cli', 'views'],
    auth: ['gateway', 'api', 'webhooks', 'mail', 'cli'],
    gateway: ['auth', 'api', 'webhooks', 'mail', 'cli', 'views'],
    api: ['auth', 'gateway', 'webhooks', 'mail', 'cli', 'views'],
    webhooks: ['auth', 'gateway', 'api', 'mail', 'cli', 'views'],
    mail: ['auth', 'gateway', 'api', 'webhooks', 'cli', 'views'],
    cli: [],
  };
  // DESIGN.md "One write path": only domain/record-change.ts writes audit and outbox rows.
  const writePath = 'src/domain/record-change.ts';
  const writePathPatterns = [
    { regex: '(^|/)db/audit-events\\.js$', importNames: ['insertAuditEvent'], message: 'Audit rows are written by recordChange (src/domain/record-change.ts) only.' },
    { regex: '(^|/)(db/)?outbox\\.js$', message: 'Outbox rows are written by recordChange (src/domain/record-change.ts) only.' },
  ];
  const rule = (layer, targets, extra) => ['error', {
    patterns: [
      ...(targets.length > 0 ? [{
        regex: `^(\\.\\./)+(${targets.join('|')})/`,
        message: `src/${layer} may not import from ${targets.join(', ')} (DESIGN.md "Repository layout": the direction of imports).`,
      }] : []),
      ...extra,
    ],
  }];
  return [
    ...Object.entries(forbidden).map(([layer, targets]) => ({
      files: [`src/${layer}/**/*.ts`],
      ignores: layer === 'domain' ? [writePath] : [],
      rules: { 'no-restricted-imports': rule(layer, targets, writePathPatterns) },
    })),
    { files: [writePath], rules: { 'no-restricted-imports': rule('domain', forbidden.domain, []) } },
  ];
}
