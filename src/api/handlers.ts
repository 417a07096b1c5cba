import type { Handler } from './handler.js';
import { apiKeyHandlers } from './api-keys/handlers.js';
import { auditHandlers } from './audit/handlers.js';
import { clientHandlers } from './clients/handlers.js';
import { contactHandlers } from './contacts/handlers.js';
import { formHandlers } from './forms/handlers.js';
import { healthHandlers } from './health.js';
import { invitationHandlers } from './invitations/handlers.js';
import { knowledgeCategoryHandlers } from './knowledge-categories/handlers.js';
import { knowledgeItemHandlers } from './knowledge-items/handlers.js';
import { memberHandlers } from './members/handlers.js';
import { organizationGroupHandlers } from './organization-groups/handlers.js';
import { organizationHandlers } from './organizations/handlers.js';
import { serviceHandlers } from './services/handlers.js';
import { userHandlers } from './users/handlers.js';

/** Operation name → handler. Every contract operation the resource API serves is here. */
export const handlers: ReadonlyMap<string, Handler> = new Map(
  Object.entries({
    ...healthHandlers,
    ...organizationHandlers,
    ...organizationGroupHandlers,
    ...userHandlers,
    ...memberHandlers,
    ...invitationHandlers,
    ...contactHandlers,
    ...knowledgeCategoryHandlers,
    ...knowledgeItemHandlers,
    ...formHandlers,
    ...serviceHandlers,
    ...auditHandlers,
    ...apiKeyHandlers,
    ...clientHandlers,
  }),
);
