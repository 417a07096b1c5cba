import type { Identity } from './identity.js';

/**
 * `client_id` of the access tokens of seed 001's token API (`POST /v2/auth/token`): Gatehouse's
 * own first-party clients. Only the token API's signer puts it in a token: registered OAuth
 * clients get random `gh_…` ids (db/oauth-clients), and the provider never serves a client by
 * this id (auth/services.ts), so no authorization-code, implicit or client-credentials token
 * can carry it. The claim sits inside a JWT signed with our keys and reaches the resource API
 * inside the gateway's signed assertion, so a caller cannot set it.
 */
export const FIRST_PARTY_CLIENT_ID = 'gatehouse-first-party';

/**
 * A user acting through a first-party credential (issue 17, finding 6): a token from the token
 * API. Not a third-party app's OAuth token (it acts for the user only as far as the user
 * consented, and only while the grant lives), not a service client, not an API key.
 */
export function isFirstPartyUser(identity: Pick<Identity, 'kind' | 'client_id'>): boolean {
  return identity.kind === 'user' && identity.client_id === FIRST_PARTY_CLIENT_ID;
}
