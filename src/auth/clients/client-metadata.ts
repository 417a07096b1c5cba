import type { ClientMetadata } from 'oidc-provider';
import type { ClientRow } from '../../db/oauth-clients/client-rows.js';

/**
 * What each client type may do, as oidc-provider client metadata. Role caps are not expressed
 * as `scope` here (except for service clients): a user-facing client asking for more than its
 * cap is downgraded at consent rather than refused (issue 3).
 */
export function toProviderMetadata(row: ClientRow, secret: string | undefined): ClientMetadata {
  const common = {
    client_id: row.id,
    client_name: row.name,
    id_token_signed_response_alg: row.signing_alg,
    post_logout_redirect_uris: row.post_logout_redirect_uris,
    gatehouse_type: row.type,
    gatehouse_max_role: row.max_role,
    gatehouse_organization_id: row.organization_id ?? undefined,
    gatehouse_allowed_origins: row.allowed_origins,
  };
  switch (row.type) {
    case 'web':
      return {
        ...common,
        client_secret: secret,
        application_type: 'web',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: row.redirect_uris,
      };
    case 'spa':
      return {
        ...common,
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', 'implicit'],
        // `none` carries RFC 6749 `response_type=token`, see provider/plain-implicit.ts.
        response_types: ['code', 'id_token token', 'none'],
        redirect_uris: row.redirect_uris,
      };
    case 'native':
      return {
        ...common,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: row.redirect_uris,
      };
    case 'service':
      return {
        ...common,
        client_secret: secret,
        application_type: 'web',
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      };
  }
}
