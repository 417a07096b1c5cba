// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'coverage/'] },
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
  { files: ['src/cli/**', 'bench/**', 'test/**', 'bin/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  // STYLE.md: a file past ~300 lines is usually two ideas.
  { files: ['src/**/*.ts'], ignores: ['src/**/*.test.ts'], rules: { 'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }] } },
  ...layers(),
);

/**
 * DESIGN.md "Repository layout", the direction of imports:
 * cli → {auth, gateway, api, webhooks} → domain → {contract, db} → shared, with db above contract;
 * the gateway, auth server and resource API never import each other. Each layer lists what it
 * may not reach.
 */
function layers() {
  /** @type {Record<string, string[]>} */
  const forbidden = {
    shared: ['contract', 'db', 'domain', 'auth', 'gateway', 'api', 'webhooks', 'cli', 'views'],
    contract: ['db', 'domain', 'auth', 'gateway', 'api', 'webhooks', 'cli', 'views'],
    db: ['domain', 'auth', 'gateway', 'api', 'webhooks', 'cli', 'views'],
    domain: ['auth', 'gateway', 'api', 'webhooks', 'cli', 'views'],
    auth: ['gateway', 'api', 'webhooks', 'cli'],
    gateway: ['auth', 'api', 'webhooks', 'cli', 'views'],
    api: ['auth', 'gateway', 'webhooks', 'cli', 'views'],
    webhooks: ['auth', 'gateway', 'api', 'cli', 'views'],
  };
  return Object.entries(forbidden).map(([layer, targets]) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: `^(\\.\\./)+(${targets.join('|')})/`,
          message: `src/${layer} may not import from ${targets.join(', ')} (DESIGN.md "Repository layout": the direction of imports).`,
        }],
      }],
    },
  }));
}
