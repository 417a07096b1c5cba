import { z } from 'zod';
import { role, text } from './schemas.js';
import { DEFAULT_SIGNING_ALG, SIGNING_ALGS, type SigningAlg } from './signing.js';

/**
 * The kinds of OAuth client and what one is made of (issue 9: one schema): the API's
 * `clients.create|update` rows and the client service behind them, the CLI and the auth server,
 * validate with these fields.
 * - `web`: confidential server-side app, authorization code (+ PKCE) and refresh tokens;
 * - `spa`: public browser app, implicit (`token`, `id_token token`) and/or code + PKCE;
 * - `native`: public installed app, code + PKCE, loopback or private-use scheme redirects;
 * - `service`: confidential integration or bot, client credentials only.
 */
export const CLIENT_TYPES = ['web', 'spa', 'native', 'service'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

const uriList = z.array(z.string().max(2000, 'must be at most 2000 characters')).max(20, 'must have at most 20 entries');

/** The fields an update may change; none has a default, so an omitted one keeps its value. */
export const clientFields = {
  name: text(200),
  redirect_uris: uriList,
  post_logout_redirect_uris: uriList,
  allowed_origins: uriList,
  /** Highest role scope the client may be granted (issue 3: client ∩ request ∩ user's role). */
  max_role: role,
  signing_alg: z.enum(SIGNING_ALGS),
  /** Issue 17: a confidential client that may introspect the organization's tokens. */
  resource_server: z.boolean(),
};

/**
 * A new client: its type, and what it may leave out. The request is recorded as sent (audit), so
 * the defaults are applied by the client service (`withClientDefaults`), not here.
 */
export const createClientFields = {
  ...clientFields,
  type: z.enum(CLIENT_TYPES, { error: `must be one of ${CLIENT_TYPES.join(', ')}` }),
  redirect_uris: uriList.optional(),
  post_logout_redirect_uris: uriList.optional(),
  allowed_origins: uriList.optional(),
  max_role: role.optional(),
  signing_alg: z.enum(SIGNING_ALGS).optional(),
  resource_server: z.boolean().optional(),
};

/** A new client's fields with the defaults of what it left out (max_role's depends on the type). */
export function withClientDefaults<T extends { redirect_uris?: string[] | undefined; post_logout_redirect_uris?: string[] | undefined; allowed_origins?: string[] | undefined; signing_alg?: SigningAlg | undefined }>(input: T) {
  return {
    ...input,
    redirect_uris: input.redirect_uris ?? [],
    post_logout_redirect_uris: input.post_logout_redirect_uris ?? [],
    allowed_origins: input.allowed_origins ?? [],
    signing_alg: input.signing_alg ?? DEFAULT_SIGNING_ALG,
  };
}
