import type { Binding, Handler } from './handler.js';
import { apiKeyHandlers } from './api-keys/handlers.js';
import { auditHandlers } from './audit/handlers.js';
import { clientHandlers } from './clients/handlers.js';
import { contactHandlers } from './contacts/handlers.js';
import { conversationHandlers } from './conversations/handlers.js';
import { formHandlers } from './forms/handlers.js';
import { healthHandlers } from './health.js';
import { invitationHandlers } from './invitations/handlers.js';
import { knowledgeCategoryHandlers } from './knowledge-categories/handlers.js';
import { knowledgeItemHandlers } from './knowledge-items/handlers.js';
import { liveHandlers } from './live/handlers.js';
import { memberHandlers } from './members/handlers.js';
import { messageHandlers } from './messages/handlers.js';
import { organizationGroupHandlers } from './organization-groups/handlers.js';
import { organizationHandlers } from './organizations/handlers.js';
import { participantHandlers } from './participants/handlers.js';
import { serviceHandlers } from './services/handlers.js';
import { availabilityHandlers, statisticsHandlers } from './statistics/handlers.js';
import { tagHandlers } from './tags/handlers.js';
import { ticketHandlers, ticketMessageHandlers, ticketStatusHandlers } from './tickets/handlers.js';
import { userHandlers } from './users/handlers.js';
import { visitorHandlers } from './visitors/handlers.js';
import { tabHandlers, widgetCardHandlers } from './widgets/elements.js';
import { widgetHandlers } from './widgets/handlers.js';
import { webhookDeliveryHandlers, webhookHandlers } from './webhooks/handlers.js';

const groups: readonly (readonly Binding[])[] = [
  healthHandlers,
  organizationHandlers,
  organizationGroupHandlers,
  userHandlers,
  memberHandlers,
  invitationHandlers,
  contactHandlers,
  knowledgeCategoryHandlers,
  knowledgeItemHandlers,
  formHandlers,
  serviceHandlers,
  auditHandlers,
  apiKeyHandlers,
  clientHandlers,
  widgetHandlers,
  widgetCardHandlers,
  tabHandlers,
  visitorHandlers,
  liveHandlers,
  conversationHandlers,
  participantHandlers,
  tagHandlers,
  messageHandlers,
  ticketHandlers,
  ticketStatusHandlers,
  ticketMessageHandlers,
  webhookHandlers,
  webhookDeliveryHandlers,
  statisticsHandlers,
  availabilityHandlers,
];

/**
 * Operation name → handler. Every contract operation the resource API serves is bound here once
 * through `implement` (handler.ts): two bindings of one name are a mistake caught when this
 * module loads, not a silent override (test/api/contract.test.ts checks the names against the
 * contract).
 */
export const handlers: ReadonlyMap<string, Handler> = (() => {
  const map = new Map<string, Handler>();
  for (const { operation, handler } of groups.flat()) {
    if (map.has(operation.name)) throw new Error(`two handlers for the operation ${operation.name}`);
    map.set(operation.name, handler);
  }
  return map;
})();
