/**
 * What each tag of the operations table groups, and the guide that explains it: the OpenAPI
 * document's tag list and its links to the guides come from here (a test keeps every tag of the
 * table described).
 */
export interface TagInfo {
  /** One of them, for messages: "No such knowledge category." */
  singular: string;
  description: string;
  /** A file of docs/, served at /docs/guides/{guide}. */
  guide: string;
}

export const TAGS: Readonly<Record<string, TagInfo>> = {
  health: { singular: 'health check', description: 'Whether the service is up. Public.', guide: 'operating.md' },
  organizations: { singular: 'organization', description: 'Organizations (properties): the tenants every other resource belongs to.', guide: 'calling-the-api.md' },
  'organization groups': { singular: 'organization group', description: 'Groups (departments) of an organization\'s members.', guide: 'calling-the-api.md' },
  users: { singular: 'user', description: 'The users of the organization, with their role there; `/users/me` is the caller.', guide: 'calling-the-api.md' },
  members: { singular: 'member', description: 'Memberships: role, status and groups of each user in the organization.', guide: 'calling-the-api.md' },
  invitations: { singular: 'invitation', description: 'Invitations of an email address to join the organization with a role.', guide: 'calling-the-api.md' },
  contacts: { singular: 'contact', description: 'The people the organization talks to.', guide: 'calling-the-api.md' },
  'knowledge categories': { singular: 'knowledge category', description: 'Categories of the knowledge base.', guide: 'calling-the-api.md' },
  'knowledge items': { singular: 'knowledge item', description: 'Knowledge-base articles.', guide: 'calling-the-api.md' },
  forms: { singular: 'form', description: 'Forms, such as the pre-chat form, and their fields.', guide: 'calling-the-api.md' },
  services: { singular: 'service', description: 'Services the organization offers, optionally served by one group.', guide: 'calling-the-api.md' },
  'api-keys': { singular: 'API key', description: 'API keys for bots and integrations: your own, and (admins) the whole organization\'s.', guide: 'api-keys.md' },
  clients: { singular: 'client', description: 'OAuth clients: web apps, browser apps, native apps and services.', guide: 'oauth-apps.md' },
  widgets: { singular: 'widget', description: 'Chat widgets: the public configuration by client token, allowed origins, cards and tabs.', guide: 'chat.md' },
  visitors: { singular: 'visitor', description: 'Website visitors and their context (geolocation is never stored).', guide: 'chat.md' },
  conversations: { singular: 'conversation', description: 'Conversations (chats) between visitors, agents and bots; their tags, ratings and live events.', guide: 'chat.md' },
  messages: { singular: 'message', description: 'Messages with rich content: text, images, quick replies, buttons, cards, carousels, drop-downs and web views.', guide: 'chat.md' },
  tickets: { singular: 'ticket', description: 'Helpdesk tickets: numbered per organization, a status with rules, public replies and internal notes, a history of every change.', guide: 'helpdesk.md' },
  webhooks: { singular: 'webhook', description: 'Webhook endpoints: signed deliveries of events, their log, replays and test events.', guide: 'webhooks.md' },
  statistics: { singular: 'statistic', description: 'Live and historical chat statistics, and the agents\' availability they count.', guide: 'statistics.md' },
  audit: { singular: 'audit event', description: 'Who changed what, when: every create, update and delete.', guide: 'security.md' },
};

/** The guides /docs links to, served from docs/ as Markdown. */
export const GUIDES = ['tokens.md', 'api-keys.md', 'oauth-apps.md', 'calling-the-api.md', 'chat.md', 'widget.md', 'helpdesk.md', 'webhooks.md', 'statistics.md', 'gateway.md', 'operating.md', 'configuration.md', 'security.md', 'benchmarks.md'] as const;
