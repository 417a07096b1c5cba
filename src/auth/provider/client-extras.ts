import type { Client } from 'oidc-provider';
import { isRole, type Role } from '../../contract/roles.js';
import type { ClientType } from '../../db/oauth-clients/client-types.js';

/** The Gatehouse-specific client metadata (see clients/client-metadata.ts), typed. */
export interface ClientExtras {
  type: ClientType;
  maxRole: Role;
  organizationId: string | undefined;
  allowedOrigins: string[];
}

export const EXTRA_CLIENT_METADATA = ['gatehouse_type', 'gatehouse_max_role', 'gatehouse_organization_id', 'gatehouse_allowed_origins'];

export function clientExtras(client: Client): ClientExtras {
  const raw = client.metadata() as Record<string, unknown>;
  const maxRole = raw.gatehouse_max_role;
  return {
    type: raw.gatehouse_type as ClientType,
    maxRole: isRole(maxRole) ? maxRole : 'guest',
    organizationId: typeof raw.gatehouse_organization_id === 'string' ? raw.gatehouse_organization_id : undefined,
    allowedOrigins: Array.isArray(raw.gatehouse_allowed_origins) ? (raw.gatehouse_allowed_origins as string[]) : [],
  };
}
