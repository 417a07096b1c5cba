import type { Middleware } from 'koa';
import type { Runtime } from '../shared/runtime.js';
import type { AccountSectionSource } from './account/router.js';
import { createTokenApi } from './token-api/index.js';

/**
 * Extension point of the auth server (issue 3): routes and account-page sections that other
 * features add. `app.ts` mounts `routes` before oidc-provider and after the pages, and shows
 * `accountSections` on `/account` after "Apps you authorized". Add one line per feature.
 */
export interface AuthExtensions {
  routes: Middleware[];
  accountSections: AccountSectionSource[];
  close(): void | Promise<void>;
}

export async function createAuthExtensions(runtime: Runtime): Promise<AuthExtensions> {
  const tokenApi = createTokenApi(runtime);
  return {
    routes: [tokenApi.middleware],
    accountSections: [],
    close: () => tokenApi.close(),
  };
}
