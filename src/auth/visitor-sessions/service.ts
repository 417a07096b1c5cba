import type { Knex } from 'knex';
import { VISITOR_CLAIM, VISITOR_SCOPE, visitorSecretShape, visitorSession, type VisitorSession } from '../../contract/visitor-sessions.js';
import { findResumableVisitor, touchVisitor, type SessionWidgetRow, type VisitorRow } from '../../db/visitor-sessions.js';
import { createVisitor, hashVisitorSecret, newVisitorSecret } from '../../domain/visitor-sessions.js';
import type { Clock } from '../../shared/clock.js';
import type { Config } from '../../shared/config/index.js';
import { AppError } from '../../shared/errors.js';
import type { AccessTokenSigner } from '../token-api/access-tokens.js';

export interface VisitorSessionDeps {
  knex: Knex;
  clock: Clock;
  config: Pick<Config, 'VISITOR_TOKEN_TTL_SECONDS'>;
  signer: AccessTokenSigner;
  /** Key of the visitor secrets' keyed hash (`visitor-secret-hash`). */
  hashKey: Uint8Array;
  /** During a root-secret rotation: every accepted hash key, the active one first (rehash on use, as API keys). */
  acceptedHashKeys?: () => readonly Uint8Array[];
}

const badSecret = () => new AppError('invalid_auth', 'The visitor secret is unknown or its sessions were revoked; open a new session with {}.');

/**
 * Opens a visitor's session on a widget whose origin was checked: a new visitor for `{}`, the
 * visitor a secret belongs to (in the widget's organization) for `{visitor_secret}`, and in both
 * cases a fresh access token (DESIGN.md: `sub` the visitor id, `org`, `scope: guest`, the
 * visitor claim, at most 15 minutes, `client_id` the widget whose origin opened it).
 */
export function createVisitorSessionService(deps: VisitorSessionDeps) {
  const { knex, clock, config } = deps;

  async function session(widget: SessionWidgetRow, visitor: VisitorRow, secret: string): Promise<VisitorSession> {
    const { token } = await deps.signer.signAccessToken({
      subject: visitor.id,
      claims: { org: visitor.organization_id, scope: VISITOR_SCOPE, client_id: widget.client_token, [VISITOR_CLAIM]: visitor.token },
      ttlSeconds: config.VISITOR_TOKEN_TTL_SECONDS,
    });
    return visitorSession.parse({
      access_token: token,
      token_type: 'Bearer',
      expires_in: config.VISITOR_TOKEN_TTL_SECONDS,
      visitor_secret: secret,
      visitor: {
        token: visitor.token,
        organization_id: visitor.organization_id,
        widget_client_token: visitor.widget_client_token,
        name: visitor.name,
        email: visitor.email,
        context: visitor.context,
        last_seen_at: visitor.last_seen_at.toISOString(),
        created_at: visitor.created_at.toISOString(),
        updated_at: visitor.updated_at.toISOString(),
      },
    });
  }

  return {
    async open(widget: SessionWidgetRow, requestId: string): Promise<VisitorSession> {
      const secret = newVisitorSecret();
      const visitor = await createVisitor(knex, { widget, secretHash: hashVisitorSecret(secret, deps.hashKey), requestId, now: clock.now() });
      return session(widget, visitor, secret);
    },

    /** The secret stays what it is: the widget keeps the one it stored (two tabs may resume at once). */
    async resume(widget: SessionWidgetRow, secret: string): Promise<VisitorSession> {
      if (!visitorSecretShape.test(secret)) throw badSecret();
      const hashes = (deps.acceptedHashKeys?.() ?? [deps.hashKey]).map((key) => hashVisitorSecret(secret, key));
      const visitor = await findResumableVisitor(knex, widget.organization_id, hashes);
      if (!visitor) throw badSecret();
      const now = new Date(clock.now());
      await touchVisitor(knex, visitor.id, now, hashes[0]);
      return session(widget, { ...visitor, last_seen_at: now }, secret);
    },
  };
}

export type VisitorSessionService = ReturnType<typeof createVisitorSessionService>;
