/**
 * Every path the authorization server answers, spelled once (issue 17, finding 1). The gateway
 * forwards exactly these to the auth server and the auth server serves exactly these: another
 * spelling of one of them (case, trailing slash, duplicate slashes, percent-encoded characters)
 * is refused by both, before any routing or rate limit, because oidc-provider's router and ours
 * match case-insensitively and forgive a trailing slash, so a variant would reach an endpoint
 * without the checks keyed on its exact path.
 */

/** oidc-provider's endpoints (issue 3: everything under `/oauth2/`). */
export const OAUTH_ROUTES = {
  authorization: '/oauth2/authorize',
  token: '/oauth2/token',
  jwks: '/oauth2/jwks',
  userinfo: '/oauth2/userinfo',
  introspection: '/oauth2/introspect',
  revocation: '/oauth2/revoke',
  end_session: '/oauth2/logout',
} as const;

/** Seed 001's time-based token endpoint. */
export const TOKEN_API_PATH = '/v2/auth/token';

/** Issue 18: asking for a password-reset link, and setting the new password with it (JSON). */
export const PASSWORD_RESET_API_PATH = '/v2/auth/password-reset';
export const PASSWORD_RESET_CONFIRM_API_PATH = '/v2/auth/password-reset/confirm';

/**
 * A widget's visitor sessions (issue 10, DESIGN.md "Widgets, visitors and visitor sessions"):
 * `POST` with the widget's client token opens or resumes a visitor's session. Served by the auth
 * server, the only signer of access tokens; seed 002 uses its paths un-versioned too.
 */
export const VISITOR_SESSION_ROUTES = ['/v2/widgets/:clientToken/sessions', '/widgets/:clientToken/sessions'] as const;

/**
 * The chat widget (issue 14): the stable script URL sites embed, the same script under a
 * content-hashed URL cached for a year, and the demo page that embeds it.
 */
export const WIDGET_SCRIPT_PATH = '/widget.js';
export const WIDGET_VERSIONED_ROUTE = '/widget/:version/widget.js';
export const WIDGET_DEMO_PAGE = '/widget/demo';

/** The pages mailed links open (src/auth/onboarding): accepting an invitation, activating an account. */
export const INVITATION_PAGE = '/account/invitation';
export const ACTIVATION_PAGE = '/account/activate';
/** Issue 18: "Forgot password?" (asks for the link), the page its link opens, and a new email's link. */
export const PASSWORD_RESET_PAGE = '/account/password-reset';
export const PASSWORD_RESET_CONFIRM_PAGE = '/account/password-reset/confirm';
export const EMAIL_CHANGE_CONFIRM_PAGE = '/account/email/confirm';
/** The account page's form asking to change the email address. */
export const EMAIL_CHANGE_PAGE = '/account/email';

/**
 * The whole table; `:name` is one segment of `[A-Za-z0-9_-]` (interaction uids, grant and key
 * ids). Pages: src/auth/interactions/router.ts, src/auth/account/router.ts,
 * src/auth/api-keys/account-section.ts, src/auth/onboarding/router.ts.
 */
export const AUTH_SERVER_ROUTES: readonly string[] = Object.freeze([
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  ...Object.values(OAUTH_ROUTES),
  // The provider's own sub-routes: resuming an authorization after an interaction, logout steps.
  `${OAUTH_ROUTES.authorization}/:uid`,
  `${OAUTH_ROUTES.end_session}/confirm`,
  `${OAUTH_ROUTES.end_session}/success`,
  '/interaction/:uid',
  '/interaction/:uid/login',
  '/interaction/:uid/consent',
  '/account',
  '/account/signed-in',
  '/account/apps/:grantId/revoke',
  '/account/api-keys',
  '/account/api-keys/:id/revoke',
  // Issue 11: Settings > Webhooks (src/auth/webhooks/settings-page.ts).
  '/account/webhooks',
  '/account/webhooks/copy.js',
  '/account/webhooks/:id',
  '/account/webhooks/:id/edit',
  '/account/webhooks/:id/enabled',
  '/account/webhooks/:id/rotate-secret',
  '/account/webhooks/:id/test',
  '/account/webhooks/:id/replay',
  '/account/webhooks/:id/delete',
  '/account/webhooks/:id/deliveries/:deliveryId',
  '/account/webhooks/:id/deliveries/:deliveryId/replay',
  INVITATION_PAGE,
  `${INVITATION_PAGE}/sign-in`,
  ACTIVATION_PAGE,
  PASSWORD_RESET_PAGE,
  PASSWORD_RESET_CONFIRM_PAGE,
  EMAIL_CHANGE_PAGE,
  EMAIL_CHANGE_CONFIRM_PAGE,
  TOKEN_API_PATH,
  PASSWORD_RESET_API_PATH,
  PASSWORD_RESET_CONFIRM_API_PATH,
  ...VISITOR_SESSION_ROUTES,
  WIDGET_SCRIPT_PATH,
  WIDGET_VERSIONED_ROUTE,
  WIDGET_DEMO_PAGE,
]);

/** Where auth-server paths live: anything that folds into one of these is the auth server's. */
const AUTH_NAMESPACES = ['/.well-known', '/oauth2', '/interaction', '/account', '/v2/auth', '/widget', WIDGET_SCRIPT_PATH];
const namespaceDirs = AUTH_NAMESPACES.map((ns) => `${ns}/`);

const parameter = /^[A-Za-z0-9_-]+$/;
const patterns = AUTH_SERVER_ROUTES.map((route) => route.split('/'));

function matchesExactly(path: string): boolean {
  const segments = path.split('/');
  return patterns.some((pattern) =>
    pattern.length === segments.length
    && pattern.every((part, i) => (part.startsWith(':') ? parameter.test(segments[i]!) : part === segments[i])));
}

/** What a lenient router could read `path` as: decoded, lower case, no empty or trailing segment. */
function fold(path: string): string {
  let decoded = path;
  if (path.includes('%')) {
    try { decoded = decodeURIComponent(path); } catch { /* a malformed escape folds as written */ }
  }
  const folded = decoded.toLowerCase().replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return folded === '' ? '/' : folded;
}

// The sessions paths sit among the API's widget paths, so their namespace is the folded shape of
// those two routes, not a prefix.
const visitorSessionShape = /^(?:\/v2)?\/widgets\/[^/]+\/sessions$/;
const inNamespace = (folded: string) =>
  AUTH_NAMESPACES.includes(folded) || namespaceDirs.some((dir) => folded.startsWith(dir)) || visitorSessionShape.test(folded);

const exactVisitorSession = /^(?:\/v2)?\/widgets\/([A-Za-z0-9_-]+)\/sessions$/;

/**
 * The client token a visitor-session path names, when `path` is one of VISITOR_SESSION_ROUTES
 * spelled exactly (the gateway's rate limit per widget, the auth server's route); else undefined.
 */
export function visitorSessionClientToken(path: string): string | undefined {
  return exactVisitorSession.exec(path)?.[1];
}

/**
 * - `auth`: one of AUTH_SERVER_ROUTES, spelled exactly;
 * - `refused`: another spelling of an auth-server path (or an unknown path in its namespaces);
 * - `other`: not the auth server's (the API's, the gateway's own).
 */
export type AuthPathVerdict = 'auth' | 'refused' | 'other';

export function classifyAuthPath(path: string): AuthPathVerdict {
  // Every table route folds into a namespace, so a path that does not (every API request: the
  // gateway's hot path) is `other` without a scan of the table.
  if (!inNamespace(fold(path))) return 'other';
  return matchesExactly(path) ? 'auth' : 'refused';
}
