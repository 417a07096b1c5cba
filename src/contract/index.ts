import type { Operation } from './operation.js';
import { apiKeyOperations } from './operations/api-keys.js';
import { auditOperations } from './operations/audit.js';
import { clientOperations } from './operations/clients.js';
import { contactOperations } from './operations/contacts.js';
import { conversationOperations, eventStreamOperations, tagOperations } from './operations/conversations.js';
import { messageOperations } from './operations/messages.js';
import { visitorOperations } from './operations/visitors.js';
import { tabOperations, widgetCardOperations, widgetOperations } from './operations/widgets.js';
import { formOperations } from './operations/forms.js';
import { healthOperations } from './operations/health.js';
import { invitationOperations } from './operations/invitations.js';
import { knowledgeCategoryOperations } from './operations/knowledge-categories.js';
import { knowledgeItemOperations } from './operations/knowledge-items.js';
import { memberOperations } from './operations/members.js';
import { organizationGroupOperations } from './operations/organization-groups.js';
import { organizationOperations } from './operations/organizations.js';
import { participantOperations } from './operations/participants.js';
import { serviceOperations } from './operations/services.js';
import { ticketMessageOperations, ticketOperations, ticketStatusOperations } from './operations/tickets.js';
import { availabilityOperations, statisticsOperations } from './operations/statistics.js';
import { userOperations } from './operations/users.js';
import { webhookDeliveryOperations, webhookOperations } from './operations/webhooks.js';
import { createRouteTable } from './routes.js';

/*
 * The contract: every API operation, declared once (DESIGN.md "The contract"). Add a resource by
 * adding `operations/<resource>.ts` and spreading it below.
 *
 * How a call reaches the resource API (read by the gateway):
 * - REST `{method} /v2{path}` and `{method} {path}` are forwarded with their path unchanged.
 * - RPC `POST /v1/{name}` is forwarded unchanged too: the resource API maps it onto the same
 *   handler. Its body (JSON or x-www-form-urlencoded) holds every argument flat: path parameters
 *   (`id`), query parameters (`limit`, `cursor`, filters) and body fields.
 * - The identity assertion (`x-gatehouse-identity`, contract/identity.ts) is signed for the method
 *   and the path (no query string) exactly as forwarded: `POST /v1/users.fetch`, `GET /v2/users/…`.
 * - `role: 'public'` operations need no assertion (`GET /health`, `POST /invitations/accept`).
 *   `GET /openapi.json` and `GET /docs` (plus `/docs/*` assets) are not operations: pass them
 *   through unauthenticated.
 * - Permission: the gateway checks `lowestRole(op)` (the self rule's role where there is one, since
 *   an RPC call's parameters are in its body); the resource API checks `isAllowed` exactly, and
 *   answers 403 `insufficient_scope` like the gateway.
 * `createRouteTable(operations).match(method, path)` does all of the matching above, literal
 * segments before parameters (`/users/me` before `/users/{id}`).
 */
export const operations: readonly Operation[] = Object.freeze([
  ...Object.values(healthOperations),
  ...Object.values(organizationOperations),
  ...Object.values(organizationGroupOperations),
  ...Object.values(userOperations),
  ...Object.values(memberOperations),
  ...Object.values(invitationOperations),
  ...Object.values(contactOperations),
  ...Object.values(knowledgeCategoryOperations),
  ...Object.values(knowledgeItemOperations),
  ...Object.values(formOperations),
  ...Object.values(serviceOperations),
  ...Object.values(auditOperations),
  ...Object.values(apiKeyOperations),
  ...Object.values(clientOperations),
  ...Object.values(widgetOperations),
  ...Object.values(widgetCardOperations),
  ...Object.values(tabOperations),
  ...Object.values(visitorOperations),
  ...Object.values(conversationOperations),
  ...Object.values(participantOperations),
  ...Object.values(tagOperations),
  ...Object.values(messageOperations),
  ...Object.values(eventStreamOperations),
  ...Object.values(ticketOperations),
  ...Object.values(ticketStatusOperations),
  ...Object.values(ticketMessageOperations),
  ...Object.values(webhookOperations),
  ...Object.values(webhookDeliveryOperations),
  ...Object.values(statisticsOperations),
  ...Object.values(availabilityOperations),
]);

const byName = new Map(operations.map((operation) => [operation.name, operation]));

export function findOperationByName(name: string): Operation | undefined {
  return byName.get(name);
}

export const routes = createRouteTable(operations);

export type { HttpMethod, Operation, ParticipantRule, SelfRule } from './operation.js';
export { createRouteTable, REST_PREFIX, RPC_PREFIX, type RouteMatch, type RouteTable } from './routes.js';
export { isAllowed, isSelf, lowestRole, needsParticipation } from './permission.js';
