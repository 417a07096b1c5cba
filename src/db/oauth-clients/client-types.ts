import type { Role } from '../../contract/roles.js';
import type { SigningAlg } from '../../contract/signing.js';

import { CLIENT_TYPES, type ClientType } from '../../contract/oauth-client.js';

export { CLIENT_TYPES, type ClientType } from '../../contract/oauth-client.js';

export function isClientType(value: unknown): value is ClientType {
  return typeof value === 'string' && (CLIENT_TYPES as readonly string[]).includes(value);
}

export const hasSecret = (type: ClientType) => type === 'web' || type === 'service';

/** Only a confidential client can be a resource server: introspection needs client authentication. */
export const canBeResourceServer = hasSecret;

/** A client as the rest of Gatehouse sees it; the secret never leaves `client-service.ts` except once at creation/rotation. */
export interface OAuthClient {
  id: string;
  name: string;
  type: ClientType;
  organizationId: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  allowedOrigins: string[];
  /** Highest role scope this client may be granted. */
  maxRole: Role;
  signingAlg: SigningAlg;
  /** May introspect the access tokens of its organization, not only its own (issue 17). */
  resourceServer: boolean;
  createdAt: string;
  updatedAt: string;
}
