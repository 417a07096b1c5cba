import type { Knex } from 'knex';
import type { EventType } from '../contract/events.js';
import type { Identity } from '../contract/identity.js';
import { insertAuditEvent } from '../db/audit-events.js';
import { insertOutboxEvents, takeConversationSeqs } from '../db/outbox.js';

export { takeConversationSeqs } from '../db/outbox.js';

/**
 * The one write path's record (DESIGN.md "One write path"): every create, update and delete
 * calls this inside its own transaction, after writing the change, so the audit row and the
 * outbox events commit with the change or not at all. Nothing else writes either table (a lint
 * rule keeps it so).
 */
export interface Actor {
  /** `system`: a change no caller asked for (a scheduled step, such as closing solved tickets). */
  identity: Pick<Identity, 'sub' | 'org'> & { kind: Identity['kind'] | 'system' };
  requestId: string;
}

export interface Change {
  /** The operation, e.g. `contacts.update`. */
  action: string;
  resourceType: string;
  resourceId: string;
  /** Defaults to the actor's organization. */
  organizationId?: string | undefined;
  /** The fields the request set (never secrets). */
  changes?: Record<string, unknown> | undefined;
  /** What subscribers hear of it: the resource as the API returns it. */
  events?: readonly { type: EventType; data: Record<string, unknown> }[] | undefined;
  /**
   * The conversation the events belong to: each takes its next sequence number (DESIGN.md
   * "Real-time"), in order, in this transaction. Returned, so the answer can name them.
   */
  conversationId?: string | undefined;
  /**
   * Sequence numbers taken beforehand with `takeConversationSeqs` (a message stores its own),
   * one per event; otherwise they are taken here.
   */
  seqs?: readonly number[] | undefined;
}

export async function recordChange(trx: Knex, actor: Actor, change: Change): Promise<{ seqs: readonly number[] }> {
  const organizationId = change.organizationId ?? actor.identity.org;
  await insertAuditEvent(trx, {
    organization_id: organizationId,
    actor_id: actor.identity.sub,
    actor_kind: actor.identity.kind,
    action: change.action,
    resource_type: change.resourceType,
    resource_id: change.resourceId,
    request_id: actor.requestId,
    changes: change.changes ?? null,
  });
  const events = change.events ?? [];
  if (change.seqs !== undefined && change.seqs.length !== events.length) throw new Error('recordChange: one sequence number per event');
  const seqs = change.seqs ?? (change.conversationId !== undefined && events.length > 0 ? await takeConversationSeqs(trx, change.conversationId, events.length) : []);
  await insertOutboxEvents(trx, events.map((event, index) => ({
    organization_id: organizationId,
    type: event.type,
    actor_type: actor.identity.kind,
    actor_id: actor.identity.sub,
    resource_type: change.resourceType,
    resource_id: change.resourceId,
    data: event.data,
    changes: change.changes ?? null,
    request_id: actor.requestId,
    conversation_id: change.conversationId ?? null,
    seq: seqs[index] ?? null,
  })));
  return { seqs };
}
