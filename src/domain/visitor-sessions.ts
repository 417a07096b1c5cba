import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { newPublicToken } from '../contract/schemas.js';
import { VISITOR_SECRET_PREFIX } from '../contract/visitor-sessions.js';
import { revocationLifetimeMs, revoke, type TokenLifetimes } from '../db/revocations.js';
import { insertVisitor, markVisitorSessionsRevoked, type SessionWidgetRow, type VisitorRow } from '../db/visitor-sessions.js';
import type { EventBus } from '../shared/bus.js';
import type { Clock } from '../shared/clock.js';
import { recordChange } from './record-change.js';

/**
 * Website visitors' sessions (issue 10, DESIGN.md "Widgets, visitors and visitor sessions"): a
 * visitor is made by the auth server when a widget opens its first session, and holds a resume
 * credential (`visitor_secret`) of which only a keyed hash is stored, as for API keys. Revoking
 * its sessions ends them everywhere: its tokens at every gateway within a second (a `visitor`
 * cut-off on the bus), and its secret for good.
 */

export function newVisitorSecret(): string {
  return VISITOR_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** HMAC-SHA256 under the server's `visitor-secret-hash` key: a leaked table cannot be used to try secrets offline. */
export function hashVisitorSecret(secret: string, key: Uint8Array): string {
  return createHmac('sha256', key).update(secret, 'utf8').digest('base64url');
}

/** A new visitor of the widget's organization, through the one write path (the visitor is its own actor). */
export async function createVisitor(
  knex: Knex,
  input: { widget: SessionWidgetRow; secretHash: string; requestId: string; now: number },
): Promise<VisitorRow> {
  return knex.transaction(async (trx) => {
    const row = await insertVisitor(trx, {
      organizationId: input.widget.organization_id, widgetId: input.widget.id, token: newPublicToken('vis'), secretHash: input.secretHash, now: new Date(input.now),
    });
    await recordChange(trx, { identity: { sub: row.id, org: row.organization_id, kind: 'visitor' }, requestId: input.requestId }, {
      action: 'visitors.create', resourceType: 'visitor', resourceId: row.id, changes: { widget: input.widget.client_token },
    });
    return row;
  });
}

export interface VisitorCutoffDeps {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  config: TokenLifetimes;
}

/**
 * Refuses every access token of the visitor at every gateway (and in introspection). No token can
 * be minted for it afterwards (its secret is revoked, or the visitor deleted), so the cut-off
 * reaches to the end of its own life, which also covers a session being minted at this moment.
 * visitors.delete calls this after its transaction commits.
 */
export async function cutOffVisitor(deps: VisitorCutoffDeps, visitorId: string): Promise<void> {
  const expiresAt = deps.clock.now() + revocationLifetimeMs(deps.config);
  await revoke({ knex: deps.knex, bus: deps.bus }, { kind: 'visitor', subject: visitorId, notBefore: expiresAt, expiresAt });
}

/**
 * Ends every session of a visitor of `actor`'s organization: its secret resumes nothing (401 on
 * the next resume), its access tokens are refused. The visitor and its conversations stay.
 * Returns false when there is no such visitor.
 */
export async function revokeVisitorSessions(
  deps: VisitorCutoffDeps,
  actor: { identity: { sub: string; org: string; kind: 'user' | 'api_key' | 'client' | 'visitor' }; requestId: string },
  visitorId: string,
): Promise<boolean> {
  const at = new Date(deps.clock.now());
  const found = await deps.knex.transaction(async (trx) => {
    if (!(await markVisitorSessionsRevoked(trx, actor.identity.org, visitorId, `revoked:${randomUUID()}`, at))) return false;
    await recordChange(trx, actor, { action: 'visitors.revokeSessions', resourceType: 'visitor', resourceId: visitorId, changes: { sessions_revoked_at: at.toISOString() } });
    return true;
  });
  if (found) await cutOffVisitor(deps, visitorId);
  return found;
}
