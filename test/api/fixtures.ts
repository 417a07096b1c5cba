import { randomUUID } from 'node:crypto';
import type { ZodType } from 'zod';
import type { Identity } from '../../src/contract/identity.js';
import type { Operation } from '../../src/contract/index.js';
import type { ApiHarness, Tenant } from './harness.js';
import { addVisitor, type Visitor } from './resources/chat-fixtures.js';

const unique = () => randomUUID().slice(0, 8);
/**
 * Free text as attackers and the world write it: Unicode beyond Latin-1, both quotes, markup,
 * an entity and an emoji (a surrogate pair). Every resource must store and return it unchanged.
 */
const tricky = (label: string) => `${label} ${unique()} «Zoë» "quoted" 'apos' <b onclick="x()">&amp;</b> 🙂`;

/** A valid create body and a valid update body for each resource the resource API serves. */
export const samples: Record<string, { create: () => Record<string, unknown>; update?: Record<string, unknown> }> = {
  organizationGroups: { create: () => ({ name: tricky('Support'), description: 'First line <script>alert(1)</script>' }), update: { description: 'Second "line"' } },
  users: { create: () => ({ email: `user-${unique()}@example.test`, name: tricky('New user'), role: 'agent' }), update: { name: tricky('Renamed') } },
  invitations: { create: () => ({ email: `invitee-${unique()}@example.test`, role: 'agent' }) },
  contacts: {
    create: () => ({ name: tricky('Ann Smith'), email: `ann-${unique()}@example.test`, phone: '+44 20 7946 0000', attributes: { plan: 'pro', seats: 3 } }),
    update: { company: `Acme "&" <Söhne>` },
  },
  knowledgeCategories: { create: () => ({ name: tricky('Billing'), position: 1 }), update: { position: 2 } },
  knowledgeItems: {
    create: () => ({ title: tricky('How to pay'), body: 'Use the <a href="javascript:x()">billing</a> page.', status: 'published', tags: ['billing'] }),
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
  services: { create: () => ({ name: tricky('Onboarding'), active: true }), update: { active: false } },
  tags: { create: () => ({ name: `tag-${unique()}`, labels: { de: 'Etikett' } }), update: { labels: { fr: 'Étiquette' } } },
  tickets: { create: () => ({ subject: tricky('Printer on fire'), message: 'It smokes. <img src=x onerror=alert(1)>', priority: 'high' }), update: { priority: 'low' } },
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
  tickets: '/tickets',
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

/** One of everything the chat core stores, with the real ids and tokens another tenant could try. */
export interface ChatRows {
  clientToken: string;
  cardId: string;
  tabId: string;
  formId: string;
  groupId: string;
  tagId: string;
  tagName: string;
  visitor: Visitor;
  conversation: string;
  messageId: string;
}

/**
 * A widget with a card and a tab, a visitor of it, a tagged, rated conversation of that visitor
 * with a message and the tenant's guest user as a participant, made through the API as `tenant`'s admin (the visitor row is inserted as its
 * session would store it: sessions are the auth server's).
 */
export async function chatRows(api: ApiHarness, tenant: Tenant): Promise<ChatRows> {
  const admin = tenant.identity('admin');
  const made = async (path: string, body: unknown, as: Identity = admin) => {
    const res = await api.call(as, 'POST', `/v2${path}`, body);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data as Record<string, string>;
  };
  const widget = await made('/widgets', { name: 'Isolated', allowed_origins: ['https://a.example'] });
  const clientToken = widget.client_token!;
  const card = await made(`/widgets/${clientToken}/cards`, { type: 'text', title: 'Hours' });
  const tab = await made(`/widgets/${clientToken}/tabs`, { type: 'chat', title: 'Chat' });
  const form = await made('/forms', samples.forms!.create());
  const group = await made('/organization-groups', samples.organizationGroups!.create());
  const tagName = `iso-${unique()}`;
  const tag = await made('/tags', { name: tagName, labels: { de: 'Isoliert' } });
  const visitor = await addVisitor(api, tenant, { id: widget.id!, clientToken });
  const conversation = (await made('/conversations', { visitor_token: visitor.token, group_id: group.id, subject: 'Private' }, tenant.identity('agent'))).token!;
  const message = await made(`/conversations/${conversation}/messages`, { content: { type: 'text', text: 'Secret' } }, visitor.identity);
  const tagged = await api.call(admin, 'PATCH', `/v2/conversations/${conversation}`, { tags: [tagName], assignee_id: tenant.users.agent.id });
  const rated = await api.call(visitor.identity, 'POST', `/v2/conversations/${conversation}/rate`, { score: 4 });
  if (tagged.status !== 200 || rated.status !== 200) throw new Error('could not tag or rate the conversation');
  await made(`/conversations/${conversation}/participants`, { user_id: tenant.users.guest.id });
  return { clientToken, cardId: card.id!, tabId: tab.id!, formId: form.id!, groupId: group.id!, tagId: tag.id!, tagName, visitor, conversation, messageId: message.id! };
}
