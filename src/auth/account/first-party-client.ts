import type { AdapterPayload } from 'oidc-provider';

/**
 * The account page signs users in through the provider like any app, as this built-in public
 * client with `response_type=none`: it gets a login session and never a token. It needs no
 * consent and does not appear among "apps you authorized".
 */
export const ACCOUNT_CLIENT_ID = 'gatehouse-account';
export const accountCallbackPath = '/account/signed-in';

export function accountClientMetadata(publicUrl: string): AdapterPayload {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Gatehouse account',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['none'],
    redirect_uris: [`${publicUrl}${accountCallbackPath}`],
    post_logout_redirect_uris: [`${publicUrl}/account`],
    gatehouse_type: 'web',
    gatehouse_max_role: 'guest',
    gatehouse_allowed_origins: [],
  };
}
