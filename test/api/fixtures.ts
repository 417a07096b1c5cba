import { randomUUID } from 'node:crypto';
import type { ZodType } from 'zod';
import type { Operation } from '../../src/contract/index.js';

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
  webhooks: { create: () => ({ url: `https://hooks-${unique()}.example.test/in`, events: ['chat.started'] }), update: { events: ['*'] } },
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
  webhooks: '/webhooks',
};

/**
 * A well-formed value for each path parameter of `operation` (an id, or a widget, visitor or
 * conversation token), picked by the parameter's own schema, so generated tests reach body
 * validation instead of a 404 for a parameter that cannot exist. `id` is used for `{id}`.
 */
export function pathParams(operation: Operation, id: string): Record<string, string> {
  const shape = (operation.params as { shape?: Record<string, ZodType> } | undefined)?.shape ?? {};
  const candidates = [id, `wgt_${'W'.repeat(24)}`, `vis_${'V'.repeat(24)}`, `cnv_${'C'.repeat(24)}`];
  return Object.fromEntries(Object.entries(shape).map(([name, schema]) => [name, candidates.find((value) => schema.safeParse(value).success) ?? id]));
}

/** `operation.path` with `pathParams` filled in. */
export function filledPath(operation: Operation, id: string): string {
  const params = pathParams(operation, id);
  return operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? id));
}
