import { randomUUID } from 'node:crypto';

const unique = () => randomUUID().slice(0, 8);

/** A valid create body and a valid update body for each resource the resource API serves. */
export const samples: Record<string, { create: () => Record<string, unknown>; update?: Record<string, unknown> }> = {
  organizationGroups: { create: () => ({ name: `Support ${unique()}`, description: 'First line' }), update: { description: 'Second line' } },
  users: { create: () => ({ email: `user-${unique()}@example.test`, name: 'New user', role: 'agent' }), update: { name: 'Renamed' } },
  invitations: { create: () => ({ email: `invitee-${unique()}@example.test`, role: 'agent' }) },
  contacts: {
    create: () => ({ name: 'Ann Smith', email: `ann-${unique()}@example.test`, phone: '+44 20 7946 0000', attributes: { plan: 'pro', seats: 3 } }),
    update: { company: 'Acme' },
  },
  knowledgeCategories: { create: () => ({ name: `Billing ${unique()}`, position: 1 }), update: { position: 2 } },
  knowledgeItems: {
    create: () => ({ title: 'How to pay', body: 'Use the billing page.', status: 'published', tags: ['billing'] }),
    update: { title: 'How to pay an invoice' },
  },
  forms: {
    create: () => ({
      name: `Pre-chat ${unique()}`,
      fields: [
        { key: 'email', label: 'Email', type: 'email', required: true },
        { key: 'topic', label: 'Topic', type: 'select', options: ['Sales', 'Support'] },
      ],
    }),
    update: { name: 'Pre-chat form' },
  },
  services: { create: () => ({ name: `Onboarding ${unique()}`, active: true }), update: { active: false } },
  tags: { create: () => ({ name: `tag-${unique()}`, labels: { de: 'Etikett' } }), update: { labels: { fr: 'Étiquette' } } },
};

/** Resource prefix → REST collection path. */
export const collections: Record<string, string> = {
  organizationGroups: '/organization-groups',
  users: '/users',
  members: '/members',
  invitations: '/invitations',
  contacts: '/contacts',
  knowledgeCategories: '/knowledge-categories',
  knowledgeItems: '/knowledge-items',
  forms: '/forms',
  services: '/services',
  auditEvents: '/audit-events',
  organizations: '/organizations',
  tags: '/tags',
};
