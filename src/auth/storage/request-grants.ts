import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The organizations of the grants one provider request has read. A token request reads its grant
 * before it consumes the code or refresh token, but shapes the access token after; a concurrent
 * replay of the same code may delete the grant in between (RFC 6749 §10.5). The winner of the
 * consume then still knows the organization it was granted for: its tokens die with the grant's
 * revocation at the gateway, but it is answered like the one redemption that won.
 */
const requestGrants = new AsyncLocalStorage<Map<string, string>>();

export function withRequestGrants<T>(handle: () => Promise<T>): Promise<T> {
  return requestGrants.run(new Map(), handle);
}

export function rememberGrantOrganization(grantId: string, organizationId: string): void {
  requestGrants.getStore()?.set(grantId, organizationId);
}

export function rememberedGrantOrganization(grantId: string): string | undefined {
  return requestGrants.getStore()?.get(grantId);
}
