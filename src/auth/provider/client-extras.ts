import type { Client } from 'oidc-provider';
import { isRole, type Role } from '../../contract/roles.js';
import type { ClientType } from '../clients/client-types.js';

/** The Gatehouse-specific client metadata (see clients/client-metadata.ts), typed. */
export interface ClientExtras {
  type: ClientType;
  maxRole: Role;
  organizationId: string | undefined;
  allowedOrigins: string[];
}

export const EXTRA_CLIENT_METADATA = ['gatehouse_type', 'gatehouse_max_role', 'gatehouse_organization_id', 'gatehouse_allowed_origins'];

export function clientExtras(client: Client): ClientExtras {
  // oidc-provider exposes extra metadata camel-cased on the client instance.
  const raw = client as unknown as Record<string, unknown>;
  const maxRole = raw.gatehouseMaxRole;
  return {
    type: raw.gatehouseType as ClientType,
    maxRole: isRole(maxRole) ? maxRole : 'guest',
    organizationId: typeof raw.gatehouseOrganizationId === 'string' ? raw.gatehouseOrganizationId : undefined,
    allowedOrigins: Array.isArray(raw.gatehouseAllowedOrigins) ? (raw.gatehouseAllowedOrigins as string[]) : [],
  };
}
