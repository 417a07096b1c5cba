import { z } from 'zod';
import { id, timestamp } from './schemas.js';

/**
 * The events a change can emit (DESIGN.md "Webhooks"), declared once: the one write path stores
 * them in the outbox, the webhook worker delivers them, and the webhook documentation lists them.
 * Each event's `data` is the resource as the API returns it; its schema joins this table with the
 * resource (conversations and messages, tickets), until then `data` is any JSON object.
 */
export const EVENT_TYPES = [
  'chat.started',
  'chat.ended',
  'chat.rated',
  'message.created',
  'message.postback',
  'ticket.created',
  'ticket.updated',
  'ticket.status_changed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const ACTOR_TYPES = ['user', 'api_key', 'client', 'visitor', 'system'] as const;

const jsonObject = z.record(z.string(), z.unknown());

/** What a webhook and a live stream receive: `{id, type, timestamp, organization_id, actor, data, changes?, sequence?}`. */
export const eventEnvelope = z.object({
  id,
  type: z.enum(EVENT_TYPES),
  timestamp,
  organization_id: id,
  actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string() }),
  data: jsonObject,
  changes: jsonObject.optional(),
  /** The event's sequence number in its conversation (absent for events of no conversation). */
  sequence: z.number().int().optional(),
});

export type EventEnvelope = z.infer<typeof eventEnvelope>;
