import { z } from 'zod';
import { visitor } from './operations/visitors.js';

/**
 * Visitor sessions (issue 10, DESIGN.md "Widgets, visitors and visitor sessions"): what the widget
 * sends to `POST /v2/widgets/{clientToken}/sessions`, what it gets back, and the claim that marks
 * an access token as a visitor's. The auth server mints these tokens; the gateway reads the claim.
 */

/** The access-token claim holding the visitor's public token (`vis_…`): present only on visitor tokens. */
export const VISITOR_CLAIM = 'visitor';

/** The role scope of every visitor token: a visitor is a principal of its own kind, held to `guest`. */
export const VISITOR_SCOPE = 'guest';

/**
 * The resume credential: `vsk_` and 43 base64url characters (256 bits). Shown to the widget only,
 * stored as a keyed hash; the prefix makes a leaked one recognisable.
 */
export const VISITOR_SECRET_PREFIX = 'vsk_';
export const visitorSecretShape = /^vsk_[A-Za-z0-9_-]{43}$/;

/** `{}` opens a new visitor; `{visitor_secret}` resumes the visitor it belongs to. */
export const visitorSessionRequest = z.strictObject({
  visitor_secret: z.string().max(256, 'must be at most 256 characters').optional(),
});

export const visitorSession = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  /** Seconds until the access token expires; renew with the visitor secret before then. */
  expires_in: z.number().int(),
  visitor_secret: z.string(),
  visitor,
});

export type VisitorSession = z.infer<typeof visitorSession>;
