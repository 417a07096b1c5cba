// The answer key of every permission matrix, written out by hand from DESIGN.md's permission
// matrix (seed 001's rows verbatim, ours for the rest). The matrices compare what the gateway and
// the resource API do against these literals, never against the contract's `role` field or the
// `roleAllows` rule they run: a wrong rule there must fail here, and changing who may call an
// operation means changing this file too.

export type TestRole = 'guest' | 'agent' | 'bot' | 'admin';
export type MinimumRole = 'public' | TestRole;

/** Who passes a minimum role, as a literal list: the cascade guest < agent < bot < admin. */
export const ROLES_PASSING: Readonly<Record<MinimumRole, readonly TestRole[]>> = {
  public: ['guest', 'agent', 'bot', 'admin'],
  guest: ['guest', 'agent', 'bot', 'admin'],
  agent: ['agent', 'bot', 'admin'],
  bot: ['bot', 'admin'],
  admin: ['admin'],
};

/** Minimum role per contract operation. */
export const MINIMUM_ROLE: Readonly<Record<string, MinimumRole>> = {
  'health.check': 'public',
  // organizations (properties), organization groups (departments): seed 001
  'organizations.list': 'bot', 'organizations.fetch': 'bot', 'organizations.create': 'admin', 'organizations.update': 'admin', 'organizations.delete': 'admin',
  'organizationGroups.list': 'bot', 'organizationGroups.fetch': 'bot', 'organizationGroups.create': 'admin', 'organizationGroups.update': 'admin', 'organizationGroups.delete': 'admin',
  // users: seed 001, with "self: guest" for fetch and update
  'users.list': 'bot', 'users.fetch': 'bot', 'users.create': 'admin', 'users.update': 'admin', 'users.delete': 'admin',
  'users.fetchMe': 'guest', 'users.updateMe': 'guest', 'users.resendActivation': 'admin', 'users.updateAvailability': 'agent',
  // members and invitations
  'members.list': 'bot', 'members.fetch': 'bot', 'members.update': 'admin', 'members.delete': 'admin',
  'invitations.list': 'bot', 'invitations.fetch': 'bot', 'invitations.create': 'admin', 'invitations.resend': 'admin', 'invitations.delete': 'admin',
  'invitations.accept': 'public',
  // contacts, knowledge items, forms, services: seed 001
  'contacts.list': 'agent', 'contacts.fetch': 'bot', 'contacts.create': 'bot', 'contacts.update': 'bot', 'contacts.delete': 'admin',
  'knowledgeItems.list': 'agent', 'knowledgeItems.fetch': 'agent', 'knowledgeItems.create': 'agent', 'knowledgeItems.update': 'agent', 'knowledgeItems.delete': 'bot',
  'knowledgeCategories.list': 'agent', 'knowledgeCategories.fetch': 'agent', 'knowledgeCategories.create': 'agent', 'knowledgeCategories.update': 'agent', 'knowledgeCategories.delete': 'bot',
  'forms.list': 'bot', 'forms.fetch': 'admin', 'forms.create': 'bot', 'forms.update': 'bot', 'forms.delete': 'admin',
  'services.list': 'admin', 'services.fetch': 'admin', 'services.create': 'admin', 'services.update': 'admin', 'services.delete': 'admin',
  'auditEvents.list': 'admin', 'auditEvents.fetch': 'admin',
  // API keys: the caller's own from guest up, the whole organization's for admins
  'apiKeys.list': 'guest', 'apiKeys.fetch': 'guest', 'apiKeys.create': 'guest', 'apiKeys.delete': 'guest',
  'organizationApiKeys.list': 'admin',
  'clients.list': 'admin', 'clients.fetch': 'admin', 'clients.create': 'admin', 'clients.update': 'admin', 'clients.delete': 'admin', 'clients.rotateSecret': 'admin',
  // widgets, cards and tabs: admin, except the public fetch by client token
  'widgets.list': 'admin', 'widgets.create': 'admin', 'widgets.fetch': 'public', 'widgets.update': 'admin', 'widgets.delete': 'admin',
  'widgets.cards.add': 'admin', 'widgets.cards.update': 'admin', 'widgets.cards.remove': 'admin', 'widgets.cards.reorder': 'admin',
  'tabs.create': 'admin', 'tabs.update': 'admin', 'tabs.delete': 'admin', 'tabs.reorder': 'admin',
  'visitors.list': 'agent', 'visitors.fetch': 'agent', 'visitors.updateContext': 'agent', 'visitors.delete': 'admin',
  // conversations: fetch, history, rate and events from guest (participants only, checked in the API)
  'conversations.list': 'agent', 'conversations.create': 'agent', 'conversations.fetch': 'guest', 'conversations.history': 'guest',
  'conversations.update': 'admin', 'conversations.rate': 'guest', 'conversations.delete': 'admin', 'conversations.events': 'guest',
  // a hand-off to a person or group: agents and bots (LiveChat's transfer_chat), where update stays an admin's
  'conversations.transfer': 'agent',
  'conversations.participants.list': 'agent', 'conversations.participants.add': 'agent', 'conversations.participants.remove': 'agent',
  'events.stream': 'agent',
  'tags.list': 'agent', 'tags.fetch': 'agent', 'tags.create': 'admin', 'tags.update': 'admin', 'tags.delete': 'admin',
  'messages.list': 'bot', 'messages.fetch': 'bot', 'messages.create': 'guest', 'messages.update': 'bot', 'messages.delete': 'admin',
  'tickets.list': 'agent', 'tickets.create': 'agent', 'tickets.fetch': 'agent', 'tickets.update': 'agent', 'tickets.delete': 'admin',
  'tickets.setStatus': 'agent', 'tickets.status': 'agent', 'tickets.messages.create': 'agent', 'tickets.messages.list': 'agent', 'tickets.events.list': 'agent',
  'webhooks.list': 'admin', 'webhooks.create': 'admin', 'webhooks.fetch': 'admin', 'webhooks.update': 'admin', 'webhooks.delete': 'admin',
  'webhooks.rotateSecret': 'admin', 'webhooks.replay': 'admin', 'webhooks.test': 'admin',
  'webhooks.deliveries.list': 'admin', 'webhooks.deliveries.fetch': 'admin', 'webhooks.deliveries.replay': 'admin',
  'statistics.current': 'agent', 'statistics.chats': 'agent',
};

/** The operations whose REST path lets every role act on its own user ("self: guest"). */
export const SELF_OPERATIONS: readonly string[] = ['users.fetch', 'users.update'];

/** Whether `role` passes `operation` by the literal tables; throws for an operation missing here. */
export function expectedToPass(operation: string, role: TestRole): boolean {
  const minimum = MINIMUM_ROLE[operation];
  if (minimum === undefined) throw new Error(`${operation} has no row in test/helpers/permission-table.ts`);
  return ROLES_PASSING[minimum].includes(role);
}

/** The minimum role by the literal table; throws for an operation missing here. */
export function expectedMinimum(operation: string): MinimumRole {
  const minimum = MINIMUM_ROLE[operation];
  if (minimum === undefined) throw new Error(`${operation} has no row in test/helpers/permission-table.ts`);
  return minimum;
}
